import { createHash } from "node:crypto";
import type { SecretsBundle } from "../../talos/types";
import type { ProviderModule } from "./serializable-provider";

/**
 * A client credential (talosconfig, kubeconfig) issued locally from the machine secrets and kept in
 * state: re-rendered on every diff with the stored one as `existing`, so it changes only when its inputs
 * or CA change or its certificate is within 30 days of expiry.
 */
export interface IssuedCredential<I extends { readonly secretsYaml: string }> {
  /** The output field holding the credential, e.g. "kubeconfig". */
  readonly output: string;
  inputs(raw: Record<string, unknown>): I;
  /** What makes the resource's id (never secret). */
  idParts(inputs: I): readonly string[];
  render(bundle: SecretsBundle, inputs: I, now: Date, existing: string | undefined): Promise<string>;
}

export interface IssuedCredentialDeps {
  parseSecretsYaml(text: string): SecretsBundle;
  now(): Date;
}

/** The provider for one kind of issued credential. */
export function issuedCredentialProvider<I extends { readonly secretsYaml: string }>(
  kind: IssuedCredential<I>,
  deps: IssuedCredentialDeps,
): ProviderModule {
  const issue = (inputs: I, existing: string | undefined) => kind.render(deps.parseSecretsYaml(inputs.secretsYaml), inputs, deps.now(), existing);
  const stored = (olds: Record<string, unknown>) => olds[kind.output] as string | undefined;
  return {
    check: async (_olds, news) => {
      kind.inputs(news);
      return { inputs: news };
    },
    diff: async (_id, olds, news) => {
      const next = await issue(kind.inputs(news), stored(olds));
      return { changes: next !== stored(olds), replaces: [], deleteBeforeReplace: false };
    },
    create: async (raw) => {
      const inputs = kind.inputs(raw);
      const id = createHash("sha256").update(kind.idParts(inputs).join("\n")).digest("hex").slice(0, 16);
      return { id, outs: { ...inputs, [kind.output]: await issue(inputs, undefined) } };
    },
    update: async (_id, olds, news) => {
      const inputs = kind.inputs(news);
      return { outs: { ...inputs, [kind.output]: await issue(inputs, stored(olds)) } };
    },
  };
}
