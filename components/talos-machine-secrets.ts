import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MACHINE_SECRETS_SECRET_OUTPUTS } from "./dynamic/machine-secrets-logic";
import { moduleBackedProvider } from "./dynamic/serializable-provider";

export interface TalosMachineSecretsArgs {
  /** Talos version whose contract the bundle is generated for, e.g. "v1.11.5". Changing it never regenerates. */
  readonly talosVersion: pulumi.Input<string>;
  /** Adopt this `secrets.yaml` or `secrets.sops.yaml` instead of generating; a missing file is an error. */
  readonly importFrom?: pulumi.Input<string>;
  /** age identities to decrypt a SOPS `importFrom` (else SOPS_AGE_KEY / SOPS_AGE_KEY_FILE). */
  readonly sopsAgeIdentities?: pulumi.Input<pulumi.Input<string>[]>;
}

const provider = moduleBackedProvider(join(__dirname, "dynamic", "machine-secrets-provider"), "machineSecretsProvider");

/** The cluster's Talos machine secrets: generated (or imported) once, kept in state as secrets, never changed. */
export class TalosMachineSecrets extends pulumi.dynamic.Resource {
  /** secrets.yaml text, as `talosctl gen secrets` writes it. */
  declare readonly secretsYaml: pulumi.Output<string>;
  /** "generated" or the import path. */
  declare readonly origin: pulumi.Output<string>;

  constructor(name: string, args: TalosMachineSecretsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        ...args,
        sopsAgeIdentities: args.sopsAgeIdentities === undefined ? undefined : pulumi.secret(args.sopsAgeIdentities),
        secretsYaml: undefined,
        origin: undefined,
      },
      { ...opts, additionalSecretOutputs: [...MACHINE_SECRETS_SECRET_OUTPUTS, ...(opts?.additionalSecretOutputs ?? [])] },
      "talos-homelab",
      "TalosMachineSecrets",
    );
  }
}
