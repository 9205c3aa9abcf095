/** An etcd snapshot as a SOPS file in the binary store: the whole snapshot under `data`, encrypted to age recipients. */
import { decryptBytes, encryptBytes, readRecipients } from "../sops/index";

/** Encrypts the snapshot's bytes in memory (no plaintext ever touches the disk). */
export async function encryptSnapshot(snapshot: Buffer, recipients: readonly string[], now: Date): Promise<Buffer> {
  if (recipients.length === 0) throw new Error("no age recipient to encrypt the snapshot to: pass --age age1... or restore the tree's talosconfig.sops.yaml");
  return encryptBytes(snapshot, { format: "binary", recipients: [...recipients], now });
}

/** The snapshot's bytes; `identities` given, or sops's sources in `env` (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, keys.txt). */
export async function decryptSnapshot(encrypted: Buffer, options: { identities?: readonly string[]; env?: NodeJS.ProcessEnv }): Promise<Buffer> {
  return decryptBytes(encrypted, {
    format: "binary",
    ...(options.identities !== undefined ? { identities: [...options.identities] } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
  });
}

/** The age recipients a snapshot file is encrypted to (no key needed), or [] when it is not a SOPS file. */
export function snapshotRecipients(encrypted: Buffer): string[] {
  try {
    return readRecipients(encrypted, "binary");
  } catch {
    return [];
  }
}
