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
  /** Absolute path of a SOPS-encrypted etcd snapshot to bootstrap from (`etcdRecoverFrom`). */
  readonly recoverFrom?: string;
}

export interface BootstrapOutputs {
  readonly node: string;
  readonly outcome: BootstrapOutcome;
  /** The snapshot etcd was recovered from, when it was. */
  readonly recoveredFrom?: string;
}

export function bootstrapInputs(raw: Record<string, unknown>): BootstrapInputs {
  return {
    node: requiredString(BOOTSTRAP, raw, "node"),
    endpoint: optionalString(BOOTSTRAP, raw, "endpoint"),
    talosconfig: requiredString(BOOTSTRAP, raw, "talosconfig"),
    configHash: optionalString(BOOTSTRAP, raw, "configHash"),
    timeoutSeconds: optionalNumber(BOOTSTRAP, raw, "timeoutSeconds") ?? DEFAULT_TIMEOUT_SECONDS,
    recoverFrom: optionalString(BOOTSTRAP, raw, "recoverFrom"),
  };
}

export interface BootstrapDeps {
  client(inputs: BootstrapInputs): TalosClient;
  bootstrap(client: TalosClient, policy: RetryPolicy, log: ProgressLog): Promise<BootstrapOutcome>;
  /** Reads, decrypts and hash-checks the snapshot (the operator's age identity from the environment). */
  loadRecoverySnapshot(path: string): Promise<Buffer>;
  /** Uploads the snapshot, then bootstraps with recover_etcd. */
  recover(client: TalosClient, snapshot: Buffer, policy: RetryPolicy, log: ProgressLog): Promise<BootstrapOutcome>;
  log: ProgressLog;
}

/** Recovery from a snapshot: "already bootstrapped" is an error, since then nothing was restored. */
async function recoverFromSnapshot(inputs: BootstrapInputs & { recoverFrom: string }, client: TalosClient, snapshot: Buffer, deps: BootstrapDeps): Promise<BootstrapOutcome> {
  deps.log(`recovering etcd on node ${inputs.node} from ${inputs.recoverFrom} (${snapshot.length} bytes)`);
  const outcome = await deps.recover(client, snapshot, { timeoutMs: inputs.timeoutSeconds * 1000 }, deps.log);
  if (outcome === "already-bootstrapped") {
    throw new Error(
      `${BOOTSTRAP}: etcd on node ${inputs.node} already has data, so nothing was recovered from ${inputs.recoverFrom}. ` +
        "If the cluster is running, remove talos-homelab:etcdRecoverFrom; to recover, the control planes must be new or reset (docs/operations.md, Disaster recovery).",
    );
  }
  return outcome;
}

/** Bootstraps etcd on the node once; "already bootstrapped" counts as done. */
export async function createBootstrap(inputs: BootstrapInputs, deps: BootstrapDeps): Promise<{ id: string; outs: BootstrapOutputs }> {
  // the snapshot is checked before the node is contacted
  const snapshot = inputs.recoverFrom !== undefined ? await deps.loadRecoverySnapshot(inputs.recoverFrom) : undefined;
  deps.log(`bootstrapping etcd on node ${inputs.node} (waiting until it is ready, up to ${inputs.timeoutSeconds}s)`);
  const client = deps.client(inputs);
  try {
    const outcome =
      inputs.recoverFrom !== undefined && snapshot !== undefined
        ? await recoverFromSnapshot({ ...inputs, recoverFrom: inputs.recoverFrom }, client, snapshot, deps)
        : await deps.bootstrap(client, { timeoutMs: inputs.timeoutSeconds * 1000 }, deps.log);
    deps.log(outcome === "bootstrapped" ? `node ${inputs.node} bootstrapped etcd` : `node ${inputs.node} was already bootstrapped`);
    return { id: randomUUID(), outs: { node: inputs.node, outcome, ...(inputs.recoverFrom !== undefined ? { recoveredFrom: inputs.recoverFrom } : {}) } };
  } finally {
    client.close();
  }
}

/** Inputs diff never reads: bootstrap happens once, configHash only orders it after the first apply. */
export const BOOTSTRAP_DIFF_IGNORES = ["node", "endpoint", "talosconfig", "configHash", "timeoutSeconds", "recoverFrom"];

/** Bootstrap happens once in a cluster's life: no input change ever runs it again. */
export function diffBootstrap(): pulumi.dynamic.DiffResult {
  return { changes: false, replaces: [], deleteBeforeReplace: false };
}
