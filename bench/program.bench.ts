import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { generateAgeIdentity } from "../sops/index";
import { contractFor } from "../talos/contract";
import { generateSecretsBundle } from "../talos/secrets-bundle";
import { serializeSecretsYaml } from "../talos/secrets-yaml";
import { renderTalosconfig } from "../talos/talosconfig";

const ROOT = resolve(__dirname, "..");

type Json = Record<string, unknown>;

/** The example stack grown to `count` nodes (3 control planes, the rest workers). */
function stackWith(count: number): Json {
  const config = (parse(readFileSync(join(ROOT, "Pulumi.homelab.yaml"), "utf8")) as { config: Json }).config;
  const nodes = config["talos-homelab:nodes"] as Json[];
  const grown = Array.from({ length: count }, (_, i) => ({
    ...(nodes[Math.min(i, 3)] as Json),
    name: i < 3 ? `cp-${i + 1}` : `worker-${i - 2}`,
    role: i < 3 ? "controlplane" : "worker",
    vmId: 2000 + i,
    ip: `192.168.10.${20 + i}/24`,
    mac: undefined,
    patches: [],
  }));
  config["talos-homelab:nodes"] = grown;
  // an operator recipient (public only): `pulumi up` refuses a stack without one
  config["talos-homelab:ageRecipients"] = ["age1c663xumu5slemp8he6t3llgz3tu3pxnf2uv3esj07jhwrhv26fnqxy5nc5"];
  delete config["talos-homelab:outputDir"];
  return config;
}

/**
 * How the program is loaded changes the figure, so both ways are measured: the way `pulumi preview` loads it
 * (Pulumi's runner: source-map-support, ts-node with swc per tsconfig.pulumi.json) and through tsx.
 */
const VARIANTS = [
  { label: "as pulumi loads it (ts-node + swc, source-map-support)", args: [join(__dirname, "program-as-pulumi-runs-it.cjs")] },
  { label: "through tsx", args: ["--require", "tsx/cjs", join(__dirname, "program-under-mocks.ts")] },
];

/** Median (and range) of the wall time since process start, and the median CPU time (user + system), over 5 runs. */
function measure(jobFile: string, entry: string[]): { median: number; min: number; max: number; cpu: number; resources: number } {
  const samples: number[] = [];
  const cpu: number[] = [];
  let resources = 0;
  for (let i = 0; i < 5; i++) {
    const out = execFileSync(process.execPath, [...entry, jobFile], { cwd: ROOT, encoding: "utf8" });
    const result = JSON.parse(out.trim().split("\n").pop() as string) as { ms: number; cpuMs: number; resources: number };
    samples.push(result.ms);
    cpu.push(result.cpuMs);
    resources = result.resources;
  }
  samples.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return { median: samples[2] as number, min: samples[0] as number, max: samples[4] as number, cpu: cpu[2] as number, resources };
}

export async function run(): Promise<void> {
  const bundle = await generateSecretsBundle(contractFor("v1.11.5"));
  const talosconfig = await renderTalosconfig(bundle, { contextName: "homelab", endpoints: ["192.168.10.20"], nodes: ["192.168.10.20"] });
  const { identity } = await generateAgeIdentity();
  const dir = mkdtempSync(join(tmpdir(), "program-bench-"));
  for (const count of [5, 50]) {
    const config = Object.fromEntries(
      Object.entries({ ...stackWith(count), "talos-homelab:clusterAgeIdentity": identity }).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
    const jobFile = join(dir, `job-${count}.json`);
    writeFileSync(jobFile, JSON.stringify({ config, secretKeys: ["talos-homelab:clusterAgeIdentity"], secretsYaml: serializeSecretsYaml(bundle), talosconfig }), { mode: 0o600 });
    for (const variant of VARIANTS) {
      const { median, min, max, cpu, resources } = measure(jobFile, variant.args);
      console.log(
        `program construction under mocks, ${count} nodes (${resources} resources), incl. module load, ${variant.label}: ` +
          `median ${median.toFixed(0)} ms wall (min ${min.toFixed(0)}, max ${max.toFixed(0)}; target 50 nodes < 3000 ms), median ${cpu.toFixed(0)} ms CPU`,
      );
    }
  }
}
