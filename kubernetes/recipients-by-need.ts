/**
 * Recipients by need: Flux needs only what it applies, so `clusters/<cluster>/` is encrypted to the operators and the
 * cluster identity, and `talos/<cluster>/` (machine secrets, admin talosconfig and kubeconfig, machine configs) to the
 * operators only. With no operator (the stack opted out with `allowClusterIdentityOnly`), the cluster identity is the
 * only recipient left for both.
 */
export interface TreeRecipients {
  /** Operator / disaster-recovery recipients, without the cluster's. */
  readonly operators: readonly string[];
  /** The cluster identity's recipient (the `sops-age` Secret Flux decrypts with). */
  readonly cluster: string;
}

/** Who may read a file: `operators` (talos/<cluster>/) or `operators-and-cluster` (clusters/<cluster>/). */
export type Readers = "operators" | "operators-and-cluster";

export function recipientsFor(readers: Readers, recipients: TreeRecipients): string[] {
  const operators = recipients.operators.filter((r) => r !== recipients.cluster);
  if (readers === "operators" && operators.length > 0) return [...new Set(operators)];
  return [...new Set([...operators, recipients.cluster])];
}

/** Every recipient of the tree (for the resource's `recipients` and the log). */
export function allTreeRecipients(recipients: TreeRecipients): string[] {
  return recipientsFor("operators-and-cluster", recipients);
}
