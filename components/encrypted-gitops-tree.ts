import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Artefact } from "../gitops/artefact";
import { ENCRYPTED_GITOPS_TREE_SECRET_OUTPUTS } from "./dynamic/encrypted-gitops-tree-logic";
import { moduleBackedProvider } from "./dynamic/serializable-provider";

export interface EncryptedGitopsTreeArgs {
  /** The plaintext files of the tree (kept in state as a secret, to diff against). */
  readonly artefacts: pulumi.Input<Artefact[]>;
  /** age recipients every encrypted artefact is encrypted to (operators, DR, the cluster identity's recipient). */
  readonly recipients: pulumi.Input<pulumi.Input<string>[]>;
  /** `AGE-SECRET-KEY-1…` identities able to decrypt the previous ciphertexts, e.g. the cluster identity. Secret. */
  readonly identities: pulumi.Input<pulumi.Input<string>[]>;
  /** Absolute folder to write the tree into (atomic writes, 0600, a file rewritten only when its bytes differ). */
  readonly outputDir?: pulumi.Input<string>;
}

const provider = moduleBackedProvider(join(__dirname, "dynamic", "encrypted-gitops-tree-provider"), "encryptedGitopsTreeProvider");

/**
 * The SOPS-encrypted GitOps tree. Unchanged artefacts keep their exact ciphertext (no churn in state or Git).
 * Deleting the resource leaves the files on disk: they belong to the user's Git repository.
 */
export class EncryptedGitopsTree extends pulumi.dynamic.Resource {
  /** Tree path -> file content: ciphertext for encrypted artefacts, plain text for plain ones. Not secret. */
  declare readonly files: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: EncryptedGitopsTreeArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        artefacts: pulumi.secret(args.artefacts),
        recipients: args.recipients,
        identities: pulumi.secret(args.identities),
        outputDir: args.outputDir,
        files: undefined,
      },
      { ...opts, additionalSecretOutputs: [...ENCRYPTED_GITOPS_TREE_SECRET_OUTPUTS, ...(opts?.additionalSecretOutputs ?? [])] },
      "talos-homelab",
      "EncryptedGitopsTree",
    );
  }
}
