import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * A network namespace with only `lo` (made by `unshare -n`, `ip link set lo up`), held open by a sleeping process.
 * Every fake and every `pulumi` run of the engine tests enters it with `nsenter --net`, so they see each other on
 * 127.0.0.0/8 and nothing else: not the host's interfaces, not the internet.
 */
export class LoopbackNetns {
  private constructor(
    private readonly holder: ChildProcess,
    readonly pid: number,
  ) {}

  static async create(): Promise<LoopbackNetns> {
    const holder = spawn("unshare", ["-n", "--", "sh", "-c", "ip link set lo up && echo up && exec sleep 86400"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    holder.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      holder.once("error", reject);
      holder.once("exit", (code) => reject(new Error(`unshare -n exited with ${code}: ${stderr.trim()} (the engine tests need root or user namespaces)`)));
      holder.stdout?.once("data", () => resolve());
    });
    const ns = new LoopbackNetns(holder, holder.pid as number);
    const links = ns.links();
    if (links.join(",") !== "lo") throw new Error(`the test namespace must have only lo, it has: ${links.join(", ")}`);
    return ns;
  }

  /** The interfaces of the namespace (read through /proc, without entering it). */
  links(): string[] {
    const table = readFileSync(`/proc/${this.pid}/net/dev`, "utf8");
    return table
      .split("\n")
      .slice(2)
      .map((line) => line.split(":")[0]?.trim() ?? "")
      .filter(Boolean);
  }

  /** `nsenter` argv that runs a command inside the namespace (no fork: the command keeps nsenter's pid, so signals reach it). */
  enter(command: string, args: readonly string[]): [string, string[]] {
    return ["nsenter", ["--no-fork", `--net=/proc/${this.pid}/ns/net`, "--", command, ...args]];
  }

  close(): void {
    this.holder.kill("SIGTERM");
  }
}

/** A long-running helper inside the namespace that prints one JSON line when ready and exits when its stdin closes. */
export interface Daemon {
  readonly child: ChildProcess;
  readonly announce: Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startDaemon(ns: LoopbackNetns, command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<Daemon> {
  const [cmd, argv] = ns.enter(command, args);
  const child = spawn(cmd, argv, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...env } });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const announce = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let out = "";
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`${command} ${args.join(" ")} exited with ${code}: ${stderr.trim()}`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n") && line !== undefined) resolve(JSON.parse(line) as Record<string, unknown>);
    });
  });
  child.removeAllListeners("exit");
  return {
    child,
    announce,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.stdin?.end();
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
}
