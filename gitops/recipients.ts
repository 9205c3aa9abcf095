/** Who the rendered tree is encrypted to: operators (override, config or the default sops identity) plus the cluster. */
import { ensureDefaultAgeIdentity } from "../sops/age-identities";

export interface RecipientChoice {
  /** Operator recipients followed by the cluster recipient, without duplicates. */
  readonly recipients: readonly string[];
  /** Where the operator recipients came from, for the log. */
  readonly source: "--age" | "SOPS_AGE_RECIPIENTS" | "config ageRecipients" | "default sops identity";
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
}

export async function chooseRecipients(inputs: RecipientInputs): Promise<RecipientChoice> {
  const withCluster = (operators: readonly string[]): string[] => [...new Set([...operators, inputs.clusterRecipient])];
  const flag = splitRecipients(inputs.override ?? "");
  if (flag.length > 0) return { recipients: withCluster(flag), source: "--age" };
  const fromEnv = splitRecipients(inputs.env.SOPS_AGE_RECIPIENTS ?? "");
  if (fromEnv.length > 0) return { recipients: withCluster(fromEnv), source: "SOPS_AGE_RECIPIENTS" };
  if (inputs.configRecipients.length > 0) {
    return { recipients: withCluster(inputs.configRecipients), source: "config ageRecipients" };
  }
  const identity = await ensureDefaultAgeIdentity(inputs.env);
  return {
    recipients: withCluster([identity.recipient]),
    source: "default sops identity",
    defaultIdentity: { path: identity.path, created: identity.created },
  };
}
