/**
 * Who the tree is encrypted to. Operator/disaster-recovery recipients come from `--age`, SOPS_AGE_RECIPIENTS, the
 * config's `ageRecipients` or the default sops identity (the order sops itself uses); what each file gets is decided
 * by need (gitops/recipients-by-need.ts): `talos/<cluster>/` the operators only, `clusters/<cluster>/` the operators
 * and the cluster identity, which Flux holds. At least one operator recipient other than the cluster identity is
 * required unless the stack sets `allowClusterIdentityOnly: true`.
 */
import { existsSync } from "node:fs";
import { defaultAgeKeyFilePath, ensureDefaultAgeIdentity } from "../sops/index";

export type RecipientSource = "--age" | "SOPS_AGE_RECIPIENTS" | "config ageRecipients" | "default sops identity" | "none";

export interface RecipientChoice {
  /** The operator recipients (never the cluster's), without duplicates. */
  readonly recipients: readonly string[];
  /** Where the operator recipients came from, for the log. */
  readonly source: RecipientSource;
  /** Set when the default sops identity was used; `created` when this run created it. */
  readonly defaultIdentity?: { readonly path: string; readonly created: boolean };
}

/** sops splits recipient lists on commas and trims each entry. */
export function splitRecipients(list: string): string[] {
  return list
    .split(",")
    .map((r) => r.trim())
    .filter((r) => r !== "");
}

export interface RecipientInputs {
  /** `--age` on the command line, comma-separated. */
  readonly override?: string;
  readonly configRecipients: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /**
   * Create the default sops identity when no operator recipient is configured (render: true, the default).
   * `pulumi up` passes false: it uses that identity only when it exists, so both encrypt to the same recipients.
   */
  readonly createDefaultIdentity?: boolean;
}

/** The operator recipients (without the cluster's), chosen as sops does: flag, environment, config, default identity. */
export async function operatorRecipients(inputs: RecipientInputs): Promise<RecipientChoice> {
  const flag = splitRecipients(inputs.override ?? "");
  if (flag.length > 0) return { recipients: [...new Set(flag)], source: "--age" };
  const fromEnv = splitRecipients(inputs.env.SOPS_AGE_RECIPIENTS ?? "");
  if (fromEnv.length > 0) return { recipients: [...new Set(fromEnv)], source: "SOPS_AGE_RECIPIENTS" };
  if (inputs.configRecipients.length > 0) return { recipients: [...new Set(inputs.configRecipients)], source: "config ageRecipients" };
  if (inputs.createDefaultIdentity === false && !existsSync(defaultAgeKeyFilePath(inputs.env))) return { recipients: [], source: "none" };
  const identity = await ensureDefaultAgeIdentity(inputs.env);
  return {
    recipients: [identity.recipient],
    source: "default sops identity",
    defaultIdentity: { path: identity.path, created: identity.created },
  };
}

/**
 * Whether `pulumi up` has an operator recipient source at all, decided without reading any key (so that the check
 * runs before a single resource is registered): SOPS_AGE_RECIPIENTS, `ageRecipients`, or the default sops identity file.
 */
export function hasOperatorRecipientSource(inputs: Pick<RecipientInputs, "configRecipients" | "env">): boolean {
  return (
    splitRecipients(inputs.env.SOPS_AGE_RECIPIENTS ?? "").length > 0 ||
    inputs.configRecipients.length > 0 ||
    existsSync(defaultAgeKeyFilePath(inputs.env))
  );
}

/** No operator recipient other than the cluster identity, and the stack did not opt out. Names the fix. */
export class MissingOperatorRecipientError extends Error {
  constructor(command: "render" | "pulumi up", detail: string) {
    super(
      `${command}: no operator recipient: ${detail}. Without one, the machine secrets and admin credentials under talos/<cluster>/ ` +
        "would be encrypted to the cluster identity alone, whose only copies are the cluster's sops-age Secret and Pulumi state. " +
        "Fix: create an operator identity with `npx talos-homelab age keygen` (sops's default location, used automatically) " +
        "or `npx talos-homelab age keygen -o operator.agekey` and add its recipient to `talos-homelab:ageRecipients` in the stack config " +
        "(back the identity up offline). To accept the risk instead, set `talos-homelab:allowClusterIdentityOnly: true` (docs/operations.md).",
    );
    this.name = "MissingOperatorRecipientError";
  }
}

export interface OperatorRequirement {
  readonly command: "render" | "pulumi up";
  /** The cluster identity's recipient; an operator list naming only it has no operator. */
  readonly clusterRecipient: string;
  readonly allowClusterIdentityOnly: boolean;
  /** Where the operator recipients came from, for the error. */
  readonly source: RecipientSource;
}

/** The operator recipients without the cluster's; throws MissingOperatorRecipientError when none is left (unless opted out). */
export function requireOperatorRecipients(operators: readonly string[], req: OperatorRequirement): string[] {
  const others = [...new Set(operators)].filter((r) => r !== req.clusterRecipient);
  if (others.length > 0 || req.allowClusterIdentityOnly) return others;
  const detail =
    operators.length > 0
      ? `the only recipient from ${req.source} is the cluster identity's own (${req.clusterRecipient})`
      : "no --age, SOPS_AGE_RECIPIENTS, talos-homelab:ageRecipients or default sops identity is set";
  throw new MissingOperatorRecipientError(req.command, detail);
}

/**
 * `pulumi up`'s check before any resource: an operator recipient source exists (or the stack opted out), and a list
 * known without reading a key (SOPS_AGE_RECIPIENTS, `ageRecipients`) is not only the pinned cluster recipient.
 */
export function requireOperatorRecipientSource(
  inputs: Pick<RecipientInputs, "configRecipients" | "env"> & { readonly allowClusterIdentityOnly: boolean; readonly pinnedClusterRecipient?: string },
): void {
  if (inputs.allowClusterIdentityOnly) return;
  if (!hasOperatorRecipientSource(inputs)) {
    throw new MissingOperatorRecipientError(
      "pulumi up",
      `talos-homelab:ageRecipients is empty, SOPS_AGE_RECIPIENTS is not set and there is no default sops identity (${defaultAgeKeyFilePath(inputs.env)})`,
    );
  }
  const fromEnv = splitRecipients(inputs.env.SOPS_AGE_RECIPIENTS ?? "");
  const [known, source]: [readonly string[], RecipientSource] = fromEnv.length > 0 ? [fromEnv, "SOPS_AGE_RECIPIENTS"] : [inputs.configRecipients, "config ageRecipients"];
  if (known.length > 0 && inputs.pinnedClusterRecipient !== undefined) {
    requireOperatorRecipients(known, { command: "pulumi up", clusterRecipient: inputs.pinnedClusterRecipient, allowClusterIdentityOnly: false, source });
  }
}
