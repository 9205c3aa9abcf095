import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { stringify, parse } from "yaml";
import { readStackConfig, stackFileSource, validateConfig, type HomelabConfig } from "../../config";

export const EXAMPLE_STACK = join(__dirname, "../../Pulumi.homelab.yaml");

export interface Sandbox {
  readonly root: string;
  /** HOME and XDG_CONFIG_HOME inside the sandbox: nothing touches the real home. */
  readonly env: NodeJS.ProcessEnv;
  readonly stackFile: string;
  readonly outDir: string;
  readonly keysFile: string;
  cleanup(): void;
}

/** The pin keys `render` writes into a stack file (a render of the example in the checkout adds them there). */
export const PIN_KEYS = ["talos-homelab:clusterAgeRecipient", "talos-homelab:machineSecretsFingerprint"];

/** The stack file text without render's pins: a copy of the example is a new cluster, whatever was rendered before. */
export function withoutPins(stackText: string): string {
  return stackText.replace(/^\s*talos-homelab:(clusterAgeRecipient|machineSecretsFingerprint):.*\n/gm, "");
}

/** A temp folder with a copy of the example stack (or a modified one) and a private HOME. */
export function makeSandbox(mutate?: (config: Record<string, unknown>) => void): Sandbox {
  const root = mkdtempSync(join(tmpdir(), "talos-homelab-gitops-"));
  const home = join(root, "home");
  mkdirSync(home);
  const env: NodeJS.ProcessEnv = { HOME: home, XDG_CONFIG_HOME: join(home, ".config"), PATH: process.env.PATH };
  const stackFile = join(root, "Pulumi.homelab.yaml");
  const doc = parse(readFileSync(EXAMPLE_STACK, "utf8")) as { config: Record<string, unknown> };
  for (const key of PIN_KEYS) delete doc.config[key];
  mutate?.(doc.config);
  writeFileSync(stackFile, stringify(doc));
  return {
    root,
    env,
    stackFile,
    outDir: join(root, "rendered", "homelab"),
    keysFile: join(home, ".config", "sops", "age", "keys.txt"),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** The validated example config. */
export function exampleConfig(mutate?: (config: Record<string, unknown>) => void): HomelabConfig {
  const sandbox = makeSandbox(mutate);
  try {
    return validateConfig(readStackConfig(stackFileSource(sandbox.stackFile), {}).input).config;
  } finally {
    sandbox.cleanup();
  }
}

/** Every file under `dir` (relative, `/`-separated) with its bytes and mode. */
export function snapshot(dir: string): Map<string, { bytes: Buffer; mode: number }> {
  const out = new Map<string, { bytes: Buffer; mode: number }>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(dir, path).split(sep).join("/"), { bytes: readFileSync(path), mode: statSync(path).mode & 0o777 });
  }
  return out;
}
