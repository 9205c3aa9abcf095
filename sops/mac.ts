/** The sops MAC: SHA-512 over the leaves' plaintext bytes in document order, as 128 uppercase hex digits. */
import { Hash, createHash } from "node:crypto";

/** SHA-256("sops"), fed first when `mac_only_encrypted` is set. */
export const MAC_ONLY_ENCRYPTED_INIT = Buffer.from("8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69", "hex");

export class MacBuilder {
  private readonly hash: Hash = createHash("sha512");

  constructor(readonly onlyEncrypted: boolean) {
    if (onlyEncrypted) this.hash.update(MAC_ONLY_ENCRYPTED_INIT);
  }

  /** Feeds one leaf; with `mac_only_encrypted`, leaves that are not encrypted are skipped. */
  add(plaintext: Buffer, encrypted: boolean): void {
    if (!this.onlyEncrypted || encrypted) this.hash.update(plaintext);
  }

  digestHex(): string {
    return this.hash.digest("hex").toUpperCase();
  }
}
