/**
 * Our SOPS layer against the real sops binary on the same files: whole-command time of encrypt and decrypt
 * (`node bin/talos-homelab.cjs sops …` vs `sops …`) for 100 keys, 10,000 keys and a 1 MiB binary, and the in-process
 * encrypt of the 10,000-key file (target < 100 ms).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { decryptText, encryptText, formatAgeKeyFile, generateAgeIdentity } from "../sops/index";

const REPO = join(__dirname, "..");
const CLI = join(REPO, "bin", "talos-homelab.cjs");
const BUNDLE = join(REPO, "node_modules", ".cache", "talos-homelab", "cli.cjs");
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

/** CPU time (ms, user + system) used so far by this process's waited-for children; Linux only (else undefined). */
function childrenCpuMs(): number | undefined {
  try {
    // fields after the ")" that ends the command name: state is field 3, cutime/cstime are fields 16/17 (clock ticks)
    const fields = readFileSync("/proc/self/stat", "utf8").split(")").pop()?.trim().split(" ") ?? [];
    const ticks = Number(fields[13]) + Number(fields[14]);
    return Number.isFinite(ticks) ? ticks * (1000 / CLOCK_TICKS_PER_SECOND) : undefined;
  } catch {
    return undefined;
  }
}
const CLOCK_TICKS_PER_SECOND = 100;

interface Timing {
  wallMs: number;
  /** undefined where the children's CPU time cannot be read */
  cpuMs?: number;
}

/** Median wall time and mean CPU time (ms) of a command; fails loudly if it does not succeed. */
function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Timing {
  const times: number[] = [];
  const cpuBefore = childrenCpuMs();
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const r = spawnSync(cmd, args, { env, cwd, maxBuffer: 256 * 1024 * 1024 });
    times.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr.toString()}`);
  }
  const cpuAfter = childrenCpuMs();
  const cpuMs = cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / RUNS : undefined;
  return { wallMs: median(times), ...(cpuMs !== undefined ? { cpuMs } : {}) };
}

const ms = (x: number | undefined): string => (x === undefined ? "n/a" : x.toFixed(0));

/** Prints one row of the comparison; the target is met when ours is not slower than sops, on wall and on CPU time. */
function report(label: string, ours: Timing, theirs: Timing): boolean {
  const wallMet = ours.wallMs <= theirs.wallMs;
  const cpuMet = ours.cpuMs === undefined || theirs.cpuMs === undefined || ours.cpuMs <= theirs.cpuMs;
  console.log(
    `${label.padEnd(30)} ${ms(ours.wallMs).padStart(8)} ${ms(theirs.wallMs).padStart(8)} ${(ours.wallMs / theirs.wallMs).toFixed(2).padStart(6)}` +
      ` ${ms(ours.cpuMs).padStart(8)} ${ms(theirs.cpuMs).padStart(8)}  ${wallMet && cpuMet ? "met" : `NOT met (${[wallMet ? "" : "wall", cpuMet ? "" : "cpu"].filter(Boolean).join(", ")})`}`,
  );
  return wallMet && cpuMet;
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
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      encrypted = await encryptText(big, { format: "yaml", recipients: [recipient] });
      encTimes.push(performance.now() - t);
    }
    const encCpu = process.cpuUsage(cpuStart);
    const decTimes: number[] = [];
    const decCpuStart = process.cpuUsage();
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await decryptText(encrypted, { format: "yaml", identities: [identity] });
      decTimes.push(performance.now() - t);
    }
    const decCpu = process.cpuUsage(decCpuStart);
    const cpuPerRun = (u: NodeJS.CpuUsage): string => ((u.user + u.system) / 1000 / RUNS).toFixed(1);
    const inEnc = median(encTimes);
    console.log(`in-process encrypt, 10,000 keys: ${inEnc.toFixed(1)} ms wall (median), ${cpuPerRun(encCpu)} ms CPU (mean) (target < 100 ms: ${inEnc < 100 ? "met" : "NOT met"})`);
    console.log(`in-process decrypt, 10,000 keys: ${median(decTimes).toFixed(1)} ms wall (median), ${cpuPerRun(decCpu)} ms CPU (mean)`);

    const sops = findSops();
    if (sops.path === undefined) {
      console.log(`comparison with the real sops skipped: ${sops.why}`);
      return;
    }
    console.log(`\nwhole-command time, wall = median of ${RUNS} runs, CPU = mean (ours = node bin/talos-homelab.cjs sops …; sops = ${sops.path})`);
    console.log(`${"case".padEnd(30)} ${"ours".padStart(8)} ${"sops".padStart(8)} ${"ratio".padStart(6)} ${"ours cpu".padStart(8)} ${"sops cpu".padStart(8)}  target: ours <= sops`);
    let met = 0;
    for (const f of files) {
      // the extension decides the format for both tools (.bin is the binary store)
      const encName = `${f.name}.enc${f.format === "binary" ? "" : ".yaml"}`;
      const ours = timeCommand(process.execPath, [CLI, "sops", "encrypt", "--age", recipient, "--output", encName, f.name], env, work);
      const theirs = timeCommand(sops.path, ["encrypt", "--age", recipient, "--output", `${encName}.sops`, f.name], env, work);
      if (report(`encrypt ${f.label}`, ours, theirs)) met++;
      const oursDec = timeCommand(process.execPath, [CLI, "sops", "decrypt", encName], env, work);
      const theirsDec = timeCommand(sops.path, ["decrypt", encName], env, work);
      if (report(`decrypt ${f.label}`, oursDec, theirsDec)) met++;
    }
    console.log(`whole-command target met in ${met} of ${files.length * 2} cases`);
    const startup = timeCommand(process.execPath, [CLI, "--help"], env, work);
    const bare = timeCommand(process.execPath, ["-e", ""], env, work);
    console.log(
      `\n(start-up: node bin/talos-homelab.cjs --help ${ms(startup.wallMs)} ms wall, ${ms(startup.cpuMs)} ms CPU; ` +
        `bare \`node -e ""\` ${ms(bare.wallMs)} ms wall, ${ms(bare.cpuMs)} ms CPU; the CLI ran from ${existsSync(BUNDLE) ? "its bundle when fresh" : "source (no bundle: run npm run prepare)"})`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
