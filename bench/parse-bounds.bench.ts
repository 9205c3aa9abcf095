/**
 * The parse bounds of issue 16 item 3: every parse path (encrypt, decrypt, filestatus, check, render's tree reading)
 * against a 9^9 alias bomb, an alias chain and 100,000-level nesting. Each must refuse in well under 1 s with bounded memory; the real
 * `sops encrypt` on the same files is timed alongside when a build is found. The errors themselves are asserted in
 * test/hardening/parse-bounds.test.ts.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { checkGitopsTree } from "../gitops/check";
import { decryptTreeFile } from "../gitops/existing-tree";
import { decryptBytes, encryptBytes, fileStatusOfBytes } from "../sops/index";
import { aliasBomb, aliasChain, deepBlockNesting, deepFlowNesting, deepJsonNesting, withSopsBlock } from "../test/hardening/parse-bounds";

const RECIPIENT = "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq";
const RUNS = 3;

function findSops(): string | undefined {
  if (process.env.SOPS_BIN) return existsSync(process.env.SOPS_BIN) ? process.env.SOPS_BIN : undefined;
  const tools = join(process.env.TALOS_HOMELAB_CACHE ?? join(homedir(), ".cache", "talos-homelab"), "tools");
  const dir = existsSync(tools) ? readdirSync(tools).find((d) => d.startsWith("sops-")) : undefined;
  const candidate = dir ? join(tools, dir, "bin", "sops") : undefined;
  return candidate && existsSync(candidate) ? candidate : undefined;
}

/** Runs `fn` (which must fail) RUNS times: the slowest wall time, the largest RSS growth, and the error's first line. */
async function measure(fn: () => Promise<unknown>): Promise<{ ms: number; rssMiB: number; error: string }> {
  let worst = 0;
  let rss = 0;
  let error = "(no error: NOT BOUNDED)";
  for (let i = 0; i < RUNS; i++) {
    const before = process.memoryUsage().rss;
    const start = performance.now();
    try {
      await fn();
    } catch (e) {
      error = (e as Error).message.split("\n")[0];
    }
    worst = Math.max(worst, performance.now() - start);
    rss = Math.max(rss, (process.memoryUsage().rss - before) / 1024 / 1024);
  }
  return { ms: worst, rssMiB: rss, error };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "parse-bounds-bench-"));
  const sops = findSops();
  const inputs: Array<[string, string, "yaml" | "json"]> = [
    ["9^9 alias bomb", aliasBomb(), "yaml"],
    ["3,000-anchor alias chain", aliasChain(3_000), "yaml"],
    ["100,000 flow levels", deepFlowNesting(100_000), "yaml"],
    ["100,000 block levels", deepBlockNesting(100_000), "yaml"],
    ["100,000 JSON levels", deepJsonNesting(100_000), "json"],
  ];
  try {
    for (const [name, text, format] of inputs) {
      const encrypted = format === "yaml" ? withSopsBlock(text) : text;
      const tree = join(dir, name.replace(/\W+/g, "-"));
      mkdirSync(join(tree, "talos"), { recursive: true });
      writeFileSync(join(tree, ".sops.yaml"), `creation_rules:\n  - path_regex: \\.sops\\.${format}$\n    age: ${RECIPIENT}\n`);
      writeFileSync(join(tree, "talos", `x.sops.${format}`), encrypted);
      const paths: Array<[string, () => Promise<unknown>]> = [
        ["encrypt", () => encryptBytes(Buffer.from(text), { format, recipients: [RECIPIENT] })],
        ["decrypt", () => decryptBytes(Buffer.from(encrypted), { format, identities: [], env: {} })],
        ["filestatus", async () => fileStatusOfBytes(Buffer.from(encrypted), format)],
        ["check", async () => {
          const report = await checkGitopsTree(tree, { env: { HOME: dir } });
          throw new Error(report.findings.map((f) => f.problem).join("; "));
        }],
        ["render tree read", () => (format === "yaml" ? decryptTreeFile(tree, "talos/x.sops.yaml", []) : Promise.reject(new Error("(render reads YAML only)")))],
      ];
      console.log(`${name} (${text.length} bytes):`);
      for (const [path, fn] of paths) {
        const m = await measure(fn);
        console.log(`  ${path.padEnd(17)} ${m.ms.toFixed(1).padStart(7)} ms  rss +${m.rssMiB.toFixed(0).padStart(4)} MiB  ${m.error.slice(0, 110)}`);
      }
      if (sops !== undefined) {
        const file = join(dir, `plain.${format}`);
        writeFileSync(file, text);
        const start = performance.now();
        const r = spawnSync(sops, ["encrypt", "--age", RECIPIENT, file], { encoding: "utf8", timeout: 10_000 });
        const ms = performance.now() - start;
        console.log(`  real sops encrypt ${ms.toFixed(1).padStart(7)} ms  exit ${r.status ?? r.signal}  ${(r.stderr ?? "").split("\n")[0].slice(0, 110)}`);
      }
    }
    if (sops === undefined) console.log("(real sops not found: set SOPS_BIN or run `bash test/compat/run.sh --build-only`)");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
