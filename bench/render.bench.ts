/**
 * `talos-homelab render` timings: the example stack (5 nodes) and generated 25- and 100-node stacks.
 * "first" generates the machine secrets, cluster identity and client certificates; "again" is a re-render
 * of an unchanged stack (decrypt, re-render, compare; no file written).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { renderGitopsTree } from "../gitops/render";

const EXAMPLE_STACK = join(__dirname, "../Pulumi.homelab.yaml");

interface StackNode {
  name: string;
  role: string;
  vmId: number;
  ip: string;
  mac?: string;
  patches?: unknown[];
  [key: string]: unknown;
}

/** The example stack with `count` nodes: its 3 control planes, then workers cloned from its first worker. */
function stackWithNodes(count: number): string {
  const doc = parse(readFileSync(EXAMPLE_STACK, "utf8")) as { config: Record<string, unknown> };
  // a render of the example in the checkout pins its cluster there; each bench stack is a new cluster
  delete doc.config["talos-homelab:clusterAgeRecipient"];
  delete doc.config["talos-homelab:machineSecretsFingerprint"];
  const nodes = doc.config["talos-homelab:nodes"] as StackNode[];
  if (count === nodes.length) return stringify(doc);
  const controlPlanes = nodes.filter((n) => n.role === "controlplane");
  const template = nodes.find((n) => n.role === "worker")!;
  const workers = Array.from({ length: count - controlPlanes.length }, (_, i): StackNode => {
    const index = i + 1;
    const host = 20 + index;
    return {
      ...template,
      name: `worker-${index}`,
      vmId: 1110 + index,
      ip: `192.168.10.${host}/24`,
      mac: `BC:24:11:10:${(host >> 8).toString(16).padStart(2, "0").toUpperCase()}:${(host & 0xff).toString(16).padStart(2, "0").toUpperCase()}`,
    };
  });
  doc.config["talos-homelab:nodes"] = [...controlPlanes, ...workers];
  return stringify(doc);
}

async function timeRender(stackFile: string, env: NodeJS.ProcessEnv): Promise<number> {
  const start = process.hrtime.bigint();
  await renderGitopsTree({ stackFile, env, log: () => undefined });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "talos-homelab-bench-render-"));
  try {
    console.log("nodes  files  first render (ms)  re-render, no change (ms)  re-render per node (ms)");
    for (const count of [5, 25, 100]) {
      const dir = join(root, `n${count}`);
      const home = join(dir, "home");
      mkdirSync(home, { recursive: true });
      const env = { HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
      const stackFile = join(dir, "Pulumi.homelab.yaml");
      writeFileSync(stackFile, stackWithNodes(count));
      const first = await timeRender(stackFile, env);
      const again = await timeRender(stackFile, env);
      const files = 7 + count;
      console.log(
        `${String(count).padStart(5)}  ${String(files).padStart(5)}  ${first.toFixed(0).padStart(17)}  ${again.toFixed(0).padStart(25)}  ${(again / count).toFixed(1).padStart(22)}`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
