/**
 * `talos-homelab check` timings: a freshly rendered example tree (5 nodes) and the secret scanner alone on a large
 * plaintext manifest (secretlint's recommended preset, the project's rules, base64 blobs decoded).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { checkGitopsTree } from "../gitops/check";
import { renderGitopsTree } from "../gitops/render";
import { scanForSecrets } from "../gitops/secret-scan";

const EXAMPLE_STACK = join(__dirname, "../Pulumi.homelab.yaml");

async function median(times: number, f: () => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = process.hrtime.bigint();
    await f();
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)];
}

/** `count` ConfigMaps with base64-looking and plain values, as one multi-document file (no secret in it). */
function manyConfigMaps(count: number): string {
  const docs: string[] = [];
  for (let i = 0; i < count; i++) {
    const blob = Buffer.from(`setting-${i}=value-${i}; mode=production; replicas=${i % 7}`).toString("base64");
    docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-${i}\n  namespace: default\ndata:\n  blob: ${blob}\n  url: https://example.invalid/app/${i}\n  replicas: "${i % 7}"\n`);
  }
  return docs.join("---\n");
}

export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "talos-homelab-bench-check-"));
  try {
    const home = join(root, "home");
    mkdirSync(home, { recursive: true });
    const env = { HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
    const doc = parse(readFileSync(EXAMPLE_STACK, "utf8")) as { config: Record<string, unknown> };
    delete doc.config["talos-homelab:clusterAgeRecipient"];
    delete doc.config["talos-homelab:machineSecretsFingerprint"];
    const stackFile = join(root, "Pulumi.homelab.yaml");
    writeFileSync(stackFile, stringify(doc));
    const outDir = join(root, "tree");
    await renderGitopsTree({ stackFile, env, outDir, log: () => undefined });
    const first = await median(1, () => checkGitopsTree(outDir, { env }));
    const tree = await median(5, () => checkGitopsTree(outDir, { env }));
    const { filesChecked } = await checkGitopsTree(outDir, { env });
    console.log(`check of the rendered example tree (${filesChecked} files): first ${first.toFixed(0)} ms, then median of 5 ${tree.toFixed(0)} ms`);
    const text = manyConfigMaps(8000);
    const scan = await median(3, () => scanForSecrets(text, "many.yaml"));
    const mib = text.length / 1024 / 1024;
    console.log(`secret scan of ${mib.toFixed(1)} MiB of ConfigMaps: median of 3 ${scan.toFixed(0)} ms (${(mib / (scan / 1000)).toFixed(1)} MiB/s)`);
    // a 1 MB line shaped to make backtracking patterns quadratic (the Proxmox token rule was: 8 s at 80 kB)
    const line = `${"a".repeat(500_000)}@${"b".repeat(500_000)}`;
    const hostile = await median(3, () => scanForSecrets(line, "line.txt"));
    console.log(`secret scan of a 1 MB line "a…a@b…b": median of 3 ${hostile.toFixed(0)} ms`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
