import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(__dirname, "../..");

/** What a person types at the local backend's passphrase prompt. */
export const PASSPHRASE = "engine-test-passphrase";

let toolchain: NodeJS.ProcessEnv | undefined;

/** The environment test/engine/build.sh --print-env exports (builds the toolchain when it is not cached). */
export function toolchainEnv(): NodeJS.ProcessEnv {
  if (toolchain) return toolchain;
  const result = spawnSync("bash", ["-c", 'eval "$(bash test/engine/build.sh --print-env)" && env -0'], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`test/engine/build.sh --print-env failed:\n${result.stderr}`);
  toolchain = Object.fromEntries(
    result.stdout
      .split("\0")
      .filter((entry) => entry.includes("="))
      .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
  );
  return toolchain;
}

export interface Sandbox {
  readonly cwd: string;
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * A fresh checkout as a person has it: sources linked, stack files copied (pulumi config set writes them), a new
 * HOME and XDG config, the engine toolchain on PATH and the passphrase a person would type at the prompt.
 */
export function sandbox(): Sandbox {
  const cwd = mkdtempSync(join(tmpdir(), "engine-checkout-"));
  for (const entry of readdirSync(ROOT)) {
    if ([".git", "rendered"].includes(entry)) continue;
    if (/^Pulumi(\..*)?\.yaml$/.test(entry)) cpSync(join(ROOT, entry), join(cwd, entry));
    else symlinkSync(join(ROOT, entry), join(cwd, entry));
  }
  const home = mkdtempSync(join(tmpdir(), "engine-home-"));
  const env: NodeJS.ProcessEnv = {
    ...toolchainEnv(),
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    CI: "true",
  };
  for (const name of ["SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_RECIPIENTS", "PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN"]) delete env[name];
  for (const name of ["PROXMOX_VE_API_TOKEN", "TALOS_HOMELAB_AGE_IDENTITY", "TALOS_HOMELAB_GIT_TOKEN", "TALOS_HOMELAB_GIT_SSH_KEY"]) delete env[name];
  return { cwd, home, env };
}

export interface CommandResult {
  readonly command: string;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Destinations of every connect() the command and its children attempted (with traceConnects). */
  readonly connects: string[];
}

/**
 * Runs one shell command in a network namespace of its own that has only the loopback interface (`unshare -n`),
 * so nothing but 127.0.0.0/8 and ::1 is reachable. With traceConnects, strace records every connect() attempt.
 */
export function inLoopbackNamespace(command: string, box: Sandbox, options: { traceConnects?: boolean; timeoutMs?: number } = {}): CommandResult {
  const trace = options.traceConnects ? join(mkdtempSync(join(tmpdir(), "engine-strace-")), "connects") : undefined;
  const traced = trace ? `strace -f -qq -e trace=connect -e signal=none -o ${trace} bash -euo pipefail -c ${shellQuote(command)}` : command;
  const result = spawnSync("unshare", ["-n", "bash", "-euo", "pipefail", "-c", `ip link set lo up && ${traced}`], {
    cwd: box.cwd,
    env: box.env,
    encoding: "utf8",
    timeout: options.timeoutMs ?? 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    command,
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    connects: trace ? connectDestinations(trace) : [],
  };
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The sin_addr / sin6_addr / sun_path of each connect() line strace wrote. */
function connectDestinations(file: string): string[] {
  const text = spawnSync("cat", [file], { encoding: "utf8" }).stdout;
  return text
    .split("\n")
    .filter((line) => line.includes("connect("))
    .map((line) => {
      const inet = /inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6?, "([^"]+)"/.exec(line);
      const unix = /sun_path=(?:@?"([^"]*)")/.exec(line);
      if (inet) return inet[1] ?? inet[2] ?? "";
      if (unix) return `unix:${unix[1]}`;
      // AF_UNSPEC dissolves a socket's association; AF_NETLINK talks to this machine's kernel.
      if (/sa_family=AF_(UNSPEC|NETLINK)/.test(line)) return "local:kernel";
      return line.trim();
    });
}

/** Whether an address is on the loopback interface (or a local socket). */
export function isLoopback(destination: string): boolean {
  return destination.startsWith("unix:") || destination === "local:kernel" || /^127\./.test(destination) || destination === "::1" || destination === "::ffff:127.0.0.1";
}
