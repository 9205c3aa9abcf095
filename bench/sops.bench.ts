/**
 * Our SOPS layer against the real sops binary on the same files: whole-command time of encrypt and decrypt
 * (`node bin/talos-homelab.cjs sops …` vs `sops …`) for 100 keys, 10,000 keys and a 1 MiB binary, and the in-process
 * encrypt of the 10,000-key file (target < 100 ms).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { decryptText, encryptText, formatAgeKeyFile, generateAgeIdentity } from "../sops/index";

const REPO = join(__dirname, "..");
const CLI = join(REPO, "bin", "talos-homelab.cjs");
const RUNS = 5;

function findSops(): { path?: string; why: string } {
  if (process.env.SOPS_BIN) return existsSync(process.env.SOPS_BIN) ? { path: process.env.SOPS_BIN, why: "" } : { why: `SOPS_BIN=${process.env.SOPS_BIN} does not exist` };
  const tools = join(process.env.TALOS_HOMELAB_CACHE ?? join(homedir(), ".cache", "talos-homelab"), "tools");
  const dir = existsSync(tools) ? readdirSync(tools).find((d) => d.startsWith("sops-")) : undefined;
  const candidate = dir ? join(tools, dir, "bin", "sops") : undefined;
  if (candidate && existsSync(candidate)) return { path: candidate, why: "" };
  return { why: `SOPS_BIN is unset and no sops build was found in ${tools} (build it with \`bash test/compat/run.sh --build-only\`)` };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median wall time (ms) of a command; fails loudly if it does not succeed. */
function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const r = spawnSync(cmd, args, { env, cwd, maxBuffer: 256 * 1024 * 1024 });
    times.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr.toString()}`);
  }
  return median(times);
}

function yamlWithKeys(n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += `key_${i}: value-${i}-${randomBytes(6).toString("hex")}\n`;
  return s;
}

export async function run(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "sops-bench-"));
  try {
    const { identity, recipient } = await generateAgeIdentity();
    const keyFile = join(work, "keys.txt");
    writeFileSync(keyFile, formatAgeKeyFile(identity, recipient), { mode: 0o600 });
    const env: NodeJS.ProcessEnv = { ...process.env, SOPS_AGE_KEY_FILE: keyFile, XDG_CONFIG_HOME: join(work, "xdg") };
    delete env.SOPS_CONFIG;
    delete env.SOPS_AGE_KEY;
    delete env.SOPS_AGE_KEY_CMD;
    const files: Array<{ label: string; name: string; format: "yaml" | "binary"; content: Buffer }> = [
      { label: "100 keys (YAML)", name: "k100.yaml", format: "yaml", content: Buffer.from(yamlWithKeys(100)) },
      { label: "10,000 keys (YAML)", name: "k10000.yaml", format: "yaml", content: Buffer.from(yamlWithKeys(10_000)) },
      { label: "1 MiB binary", name: "blob.bin", format: "binary", content: randomBytes(1024 * 1024) },
    ];
    for (const f of files) writeFileSync(join(work, f.name), f.content);

    // in-process: the 10,000-key file
    const big = files[1].content.toString("utf8");
    await encryptText(big, { format: "yaml", recipients: [recipient] });
    const encTimes: number[] = [];
    let encrypted = "";
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      encrypted = await encryptText(big, { format: "yaml", recipients: [recipient] });
      encTimes.push(performance.now() - t);
    }
    const decTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await decryptText(encrypted, { format: "yaml", identities: [identity] });
      decTimes.push(performance.now() - t);
    }
    const inEnc = median(encTimes);
    console.log(`in-process encrypt, 10,000 keys: ${inEnc.toFixed(1)} ms (target < 100 ms: ${inEnc < 100 ? "met" : "NOT met"})`);
    console.log(`in-process decrypt, 10,000 keys: ${median(decTimes).toFixed(1)} ms`);

    const sops = findSops();
    if (sops.path === undefined) {
      console.log(`comparison with the real sops skipped: ${sops.why}`);
      return;
    }
    console.log(`\nwhole-command time, median of ${RUNS} runs (ours = node bin/talos-homelab.cjs sops …; sops = ${sops.path})`);
    console.log(`${"case".padEnd(30)} ${"ours ms".padStart(9)} ${"sops ms".padStart(9)} ${"ours/sops".padStart(10)}`);
    for (const f of files) {
      // the extension decides the format for both tools (.bin is the binary store)
      const encName = `${f.name}.enc${f.format === "binary" ? "" : ".yaml"}`;
      const ours = timeCommand(process.execPath, [CLI, "sops", "encrypt", "--age", recipient, "--output", encName, f.name], env, work);
      const theirs = timeCommand(sops.path, ["encrypt", "--age", recipient, "--output", `${encName}.sops`, f.name], env, work);
      console.log(`${`encrypt ${f.label}`.padEnd(30)} ${ours.toFixed(0).padStart(9)} ${theirs.toFixed(0).padStart(9)} ${(ours / theirs).toFixed(2).padStart(10)}`);
      const oursDec = timeCommand(process.execPath, [CLI, "sops", "decrypt", encName], env, work);
      const theirsDec = timeCommand(sops.path, ["decrypt", encName], env, work);
      console.log(`${`decrypt ${f.label}`.padEnd(30)} ${oursDec.toFixed(0).padStart(9)} ${theirsDec.toFixed(0).padStart(9)} ${(oursDec / theirsDec).toFixed(2).padStart(10)}`);
    }
    const t = performance.now();
    spawnSync(process.execPath, [CLI, "--help"], { env });
    console.log(`\n(startup alone: node bin/talos-homelab.cjs --help takes ${(performance.now() - t).toFixed(0)} ms)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
