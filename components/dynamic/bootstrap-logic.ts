import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { TalosClient } from "../../talos/api/client";
import type { BootstrapOutcome, ProgressLog, RetryPolicy } from "../../talos/api/operations";
import { optionalNumber, optionalString, requiredString } from "./inputs";

export const BOOTSTRAP = "TalosBootstrap";
const DEFAULT_TIMEOUT_SECONDS = 900;

export interface BootstrapInputs {
  /** The first control-plane node's IP. */
  readonly node: string;
  readonly endpoint?: string;
  readonly talosconfig: string;
  /** Hash of the config applied to the node: ties the bootstrap to that apply. */
  readonly configHash?: string;
  readonly timeoutSeconds: number;
}

export interface BootstrapOutputs {
  readonly node: string;
  readonly outcome: BootstrapOutcome;
}

export function bootstrapInputs(raw: Record<string, unknown>): BootstrapInputs {
  return {
    node: requiredString(BOOTSTRAP, raw, "node"),
    endpoint: optionalString(BOOTSTRAP, raw, "endpoint"),
    talosconfig: requiredString(BOOTSTRAP, raw, "talosconfig"),
    configHash: optionalString(BOOTSTRAP, raw, "configHash"),
    timeoutSeconds: optionalNumber(BOOTSTRAP, raw, "timeoutSeconds") ?? DEFAULT_TIMEOUT_SECONDS,
  };
}

export interface BootstrapDeps {
  client(inputs: BootstrapInputs): TalosClient;
  bootstrap(client: TalosClient, policy: RetryPolicy, log: ProgressLog): Promise<BootstrapOutcome>;
  log: ProgressLog;
}

/** Bootstraps etcd on the node once; "already bootstrapped" counts as done. */
export async function createBootstrap(inputs: BootstrapInputs, deps: BootstrapDeps): Promise<{ id: string; outs: BootstrapOutputs }> {
  deps.log(`bootstrapping etcd on node ${inputs.node} (waiting until it is ready, up to ${inputs.timeoutSeconds}s)`);
  const client = deps.client(inputs);
  try {
    const outcome = await deps.bootstrap(client, { timeoutMs: inputs.timeoutSeconds * 1000 }, deps.log);
    deps.log(outcome === "bootstrapped" ? `node ${inputs.node} bootstrapped etcd` : `node ${inputs.node} was already bootstrapped`);
    return { id: randomUUID(), outs: { node: inputs.node, outcome } };
  } finally {
    client.close();
  }
}

/** Inputs diff never reads: bootstrap happens once, configHash only orders it after the first apply. */
export const BOOTSTRAP_DIFF_IGNORES = ["node", "endpoint", "talosconfig", "configHash", "timeoutSeconds"];

/** Bootstrap happens once in a cluster's life: no input change ever runs it again. */
export function diffBootstrap(): pulumi.dynamic.DiffResult {
  return { changes: false, replaces: [], deleteBeforeReplace: false };
}
