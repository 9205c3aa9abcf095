import { spawn } from "node:child_process";
import type { LoopbackNetns } from "./netns";

export interface PulumiResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall-clock seconds. */
  readonly seconds: number;
}

export interface PulumiRunOptions {
  /** Called with each chunk of stdout; return true to kill the run's whole process group (SIGKILL) killDelayMs later. */
  readonly killWhen?: (stdoutSoFar: string) => boolean;
  /** Time for the engine to persist the step it just reported (default 0). */
  readonly killDelayMs?: number;
  readonly timeoutMs?: number;
}

/**
 * Runs the real `pulumi` CLI from the engine toolchain (test/engine/build.sh --print-env puts it on PATH) inside the
 * loopback namespace, in the project folder `cwd`, in a process group and a PID namespace of its own, so the language
 * host and every provider plugin it starts end with it (normally or killed).
 */
export function runPulumi(ns: LoopbackNetns, cwd: string, args: readonly string[], env: NodeJS.ProcessEnv, opts: PulumiRunOptions = {}): Promise<PulumiResult> {
  return runInNetns(ns, cwd, ["pulumi", ...args], env, opts);
}

/**
 * Runs any command (argv) the way runPulumi runs `pulumi`: inside the loopback namespace, in a process group and a
 * PID namespace of its own, so nothing it starts outlives it.
 */
export function runInNetns(ns: LoopbackNetns, cwd: string, command: readonly string[], env: NodeJS.ProcessEnv, opts: PulumiRunOptions = {}): Promise<PulumiResult> {
  // A PID namespace of its own (the command is its init): when it exits or is killed, the kernel kills every process
  // left in it. Pulumi starts each plugin in a process group of its own, so killing pulumi's group is not enough.
  const [cmd, argv] = ns.enter("unshare", ["--pid", "--fork", "--kill-child", "--", ...command]);
  const started = Date.now();
  const child = spawn(cmd, argv, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let killed = false;
  let killScheduled = false;
  const killGroup = () => {
    if (killed) return;
    killed = true;
    try {
      process.kill(-(child.pid as number), "SIGKILL");
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(killGroup, opts.timeoutMs ?? 600_000);
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (!killScheduled && opts.killWhen?.(stdout) === true) {
      killScheduled = true;
      setTimeout(killGroup, opts.killDelayMs ?? 0);
    }
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, fail) => {
    child.once("error", fail);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (killed) killGroup();
      done({ code: code ?? (signal !== null ? 137 : 1), stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** Text of a failed run for an assertion message (the last lines are where Pulumi says why). */
export function tail(result: PulumiResult, lines = 60): string {
  return `exit ${result.code}\n--- stdout ---\n${result.stdout.split("\n").slice(-lines).join("\n")}\n--- stderr ---\n${result.stderr.split("\n").slice(-lines).join("\n")}`;
}
