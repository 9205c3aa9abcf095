import { readRecipients, NoKeyCouldDecryptError } from "../sops/index";

/**
 * A sops file already in the tree cannot be decrypted with the available identities (or is corrupted). It is never
 * replaced or regenerated silently: the error names the file and the identity it needs.
 */
export class UndecryptableTreeFileError extends Error {
  readonly recipients: readonly string[];

  constructor(
    readonly path: string,
    encrypted: string,
    cause: unknown,
  ) {
    const recipients = recipientsOrNone(encrypted);
    const reason =
      cause instanceof NoKeyCouldDecryptError
        ? "none of the available age identities is one of its recipients"
        : ((cause as Error).message.split("\n")[0] ?? "unknown error");
    const needed =
      recipients.length > 0 ? `the identity of one of its recipients (${recipients.join(", ")})` : "an identity that can decrypt it";
    super(
      `${path} exists but cannot be decrypted: ${reason}. It is not replaced nor regenerated: make ${needed} available ` +
        "through SOPS_AGE_KEY_FILE, SOPS_AGE_KEY, TALOS_HOMELAB_AGE_IDENTITY or the default sops keys.txt, then run again" +
        (path.endsWith("/secrets.sops.yaml") ? " (it holds the cluster's machine secrets: new ones would mean a new cluster)" : ""),
      { cause },
    );
    this.name = "UndecryptableTreeFileError";
    this.recipients = recipients;
  }
}

function recipientsOrNone(encrypted: string): string[] {
  try {
    return readRecipients(encrypted, "yaml");
  } catch {
    return [];
  }
}
