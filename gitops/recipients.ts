/** Who the rendered tree is encrypted to: operators (override, config or the default sops identity) plus the cluster. */
import { existsSync } from "node:fs";
import { defaultAgeKeyFilePath, ensureDefaultAgeIdentity } from "../sops/index";

export interface RecipientChoice {
  /** Operator recipients followed by the cluster recipient, without duplicates. */
  readonly recipients: readonly string[];
  /** Where the operator recipients came from, for the log. */
  readonly source: "--age" | "SOPS_AGE_RECIPIENTS" | "config ageRecipients" | "default sops identity" | "cluster identity only";
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
  /** The recipient of the cluster identity (the `sops-age` Secret), always included so Flux can decrypt. */
  readonly clusterRecipient: string;
  readonly env: NodeJS.ProcessEnv;
  /**
   * Create the default sops identity when no operator recipient is configured (render: true, the default).
   * `pulumi up` passes false: it uses that identity only when it exists, so both encrypt to the same recipients.
   */
  readonly createDefaultIdentity?: boolean;
}

/** The operator recipients (without the cluster's), chosen as sops does: flag, environment, config, default identity. */
export async function operatorRecipients(inputs: Omit<RecipientInputs, "clusterRecipient">): Promise<RecipientChoice> {
  const flag = splitRecipients(inputs.override ?? "");
  if (flag.length > 0) return { recipients: flag, source: "--age" };
  const fromEnv = splitRecipients(inputs.env.SOPS_AGE_RECIPIENTS ?? "");
  if (fromEnv.length > 0) return { recipients: fromEnv, source: "SOPS_AGE_RECIPIENTS" };
  if (inputs.configRecipients.length > 0) return { recipients: [...inputs.configRecipients], source: "config ageRecipients" };
  if (inputs.createDefaultIdentity === false && !existsSync(defaultAgeKeyFilePath(inputs.env))) {
    return { recipients: [], source: "cluster identity only" };
  }
  const identity = await ensureDefaultAgeIdentity(inputs.env);
  return {
    recipients: [identity.recipient],
    source: "default sops identity",
    defaultIdentity: { path: identity.path, created: identity.created },
  };
}

/** Operator recipients followed by the cluster recipient (always there, so Flux can decrypt). */
export async function chooseRecipients(inputs: RecipientInputs): Promise<RecipientChoice> {
  const choice = await operatorRecipients(inputs);
  return { ...choice, recipients: [...new Set([...choice.recipients, inputs.clusterRecipient])] };
}
