/**
 * What sops remembers while decrypting so that re-encrypting an unchanged value (same plaintext, type and key path)
 * reuses its IV and yields byte-identical ciphertext, keeping git diffs small.
 */
export class IvStash {
  private readonly ivs = new Map<string, Buffer>();

  /** A stash made with `enabled` false remembers nothing (for a decrypt that will not re-encrypt). */
  constructor(private readonly enabled = true) {}

  private static key(aad: string, type: string, plaintext: Buffer): string {
    return `${type}\u0000${aad}\u0000${plaintext.toString("latin1")}`;
  }

  remember(aad: string, type: string, plaintext: Buffer, iv: Buffer): void {
    if (this.enabled) this.ivs.set(IvStash.key(aad, type, plaintext), iv);
  }

  lookup(aad: string, type: string, plaintext: Buffer): Buffer | undefined {
    return this.ivs.get(IvStash.key(aad, type, plaintext));
  }

  get size(): number {
    return this.ivs.size;
  }
}
