import { spawnSync } from "node:child_process";

export type OracleContract = "v1.11" | "v1.12" | "v1.13" | "v1.14";
export type ToolName = "sops" | "age" | "age-keygen" | `talos-oracle-${OracleContract}`;

const toolEnvVars: Record<ToolName, string> = {
  sops: "SOPS_BIN",
  age: "AGE_BIN",
  "age-keygen": "AGE_KEYGEN_BIN",
  "talos-oracle-v1.11": "TALOS_ORACLE_V1_11",
  "talos-oracle-v1.12": "TALOS_ORACLE_V1_12",
  "talos-oracle-v1.13": "TALOS_ORACLE_V1_13",
  "talos-oracle-v1.14": "TALOS_ORACLE_V1_14",
};

/** Absolute path of a Go-built compat tool, taken from the env var set by test/compat/run.sh. */
export function requireTool(name: ToolName): string {
  const envVar = toolEnvVars[name];
  const path = process.env[envVar];
  if (path === undefined || path === "") {
    throw new Error(
      `${envVar} is not set: the compat tool "${name}" is built by test/compat/run.sh; run \`npm run test:compat\``,
    );
  }
  return path;
}

/** The oracle built for a Talos contract ("v1.11" ... "v1.14"). */
export function requireOracle(contract: OracleContract): string {
  return requireTool(`talos-oracle-${contract}`);
}

export interface RunToolOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a tool synchronously; `env` is merged over the current environment. Never throws on a non-zero exit. */
export function runTool(path: string, args: readonly string[], opts: RunToolOptions = {}): ToolResult {
  const result = spawnSync(path, args, {
    input: opts.input,
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error !== undefined) {
    throw new Error(`could not run ${path}: ${result.error.message}`);
  }
  return {
    code: result.status ?? (result.signal !== null ? 128 : 1),
    stdout: result.stdout,
    stderr: result.stderr,
  };
}
