import type * as pulumi from "@pulumi/pulumi";

export const CLUSTER_AGE_IDENTITY = "ClusterAgeIdentity";

/** Output fields Pulumi must store as secrets. */
export const CLUSTER_AGE_IDENTITY_SECRET_OUTPUTS = ["identity"];

export interface ClusterAgeIdentityDeps {
  generateAgeIdentity(): Promise<{ identity: string; recipient: string }>;
  recipientOf(identity: string): Promise<string>;
}

export interface ClusterAgeIdentityInputs {
  /** Recorded with the identity; changing them never regenerates it (see ClusterAgeIdentityArgs.keepers). */
  readonly keepers?: Readonly<Record<string, string>>;
}

export interface ClusterAgeIdentityOutputs extends ClusterAgeIdentityInputs {
  /** `AGE-SECRET-KEY-1…`. Secret. */
  readonly identity: string;
  /** `age1…`, the public half. */
  readonly recipient: string;
}

export function clusterAgeIdentityInputs(raw: Record<string, unknown>): ClusterAgeIdentityInputs {
  const keepers = raw.keepers;
  if (keepers === undefined || keepers === null) return {};
  if (typeof keepers !== "object" || Array.isArray(keepers) || !Object.values(keepers).every((v) => typeof v === "string")) {
    throw new Error(`${CLUSTER_AGE_IDENTITY}: "keepers" must be a map of strings (got ${JSON.stringify(typeof keepers)})`);
  }
  return { keepers: keepers as Record<string, string> };
}

/** Generates the identity; the resource id is its recipient (public). */
export async function createClusterAgeIdentity(
  inputs: ClusterAgeIdentityInputs,
  deps: ClusterAgeIdentityDeps,
): Promise<{ id: string; outs: ClusterAgeIdentityOutputs }> {
  const { identity, recipient } = await deps.generateAgeIdentity();
  return { id: recipient, outs: { ...inputs, identity, recipient } };
}

/**
 * Never a change: every file encrypted to this identity (the Git tree, Flux's `sops-age` Secret) would be
 * unreadable for Flux after a silent rotation. Rotating is explicit: `talos-homelab rotate` (docs/operations.md).
 */
export function diffClusterAgeIdentity(): pulumi.dynamic.DiffResult {
  return { changes: false, replaces: [], stables: ["identity", "recipient"], deleteBeforeReplace: false };
}

/** Keeps the identity; only records the new keepers (reached only if the engine forces an update). */
export function updateClusterAgeIdentity(
  olds: ClusterAgeIdentityOutputs,
  news: ClusterAgeIdentityInputs,
): { outs: ClusterAgeIdentityOutputs } {
  return { outs: { ...news, identity: olds.identity, recipient: olds.recipient } };
}

/** State is the only copy: reading returns it unchanged, after checking that the identity and recipient match. */
export async function readClusterAgeIdentity(
  id: string,
  props: ClusterAgeIdentityOutputs,
  deps: Pick<ClusterAgeIdentityDeps, "recipientOf">,
): Promise<{ id: string; props: ClusterAgeIdentityOutputs }> {
  if (typeof props.identity !== "string" || props.identity === "") {
    throw new Error(`${CLUSTER_AGE_IDENTITY} ${id}: the state holds no identity; restore the stack state from a backup`);
  }
  const recipient = await deps.recipientOf(props.identity);
  if (recipient !== props.recipient) {
    throw new Error(
      `${CLUSTER_AGE_IDENTITY} ${id}: the identity in state belongs to ${recipient}, not to the recorded recipient ` +
        `${props.recipient}; the state was edited by hand: restore it from a backup`,
    );
  }
  return { id, props };
}
