/**
 * One encrypted value: `ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<tag>]`, AES-256-GCM with a 32-byte IV,
 * a 16-byte tag and the key path (`a:b:c:`) as additional authenticated data.
 */
import { type KeyObject, createCipheriv, createDecipheriv, randomFillSync } from "node:crypto";
import { DecryptValueError, EncryptValueError } from "./errors";

export const IV_BYTES = 32;
const TAG_BYTES = 16;
const ENC_PATTERN = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;

export interface DecryptedValue {
  plaintext: Buffer;
  type: string;
  iv: Buffer;
}

/** A pool of CSPRNG bytes so that each value does not pay for a separate random call; each IV is used once. */
const pool = Buffer.alloc(IV_BYTES * 256);
let poolOffset = pool.length;

export function randomIv(): Buffer {
  if (poolOffset + IV_BYTES > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  // A view into the pool: callers use it synchronously, before the pool is refilled.
  const iv = pool.subarray(poolOffset, poolOffset + IV_BYTES);
  poolOffset += IV_BYTES;
  return iv;
}

export function isEncryptedValue(text: string): boolean {
  return ENC_PATTERN.test(text);
}

/** `key` may be a secret KeyObject made once per document, which saves importing the key for every value. */
export function encryptValue(plaintext: Buffer, type: string, key: Buffer | KeyObject, aad: string, iv: Buffer = randomIv()): string {
  const size = Buffer.isBuffer(key) ? key.length : key.symmetricKeySize;
  if (size !== 32) throw new EncryptValueError(`the data key must be 32 bytes, got ${size}`);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const data = cipher.update(plaintext);
  cipher.final();
  const tag = cipher.getAuthTag();
  return `ENC[AES256_GCM,data:${data.toString("base64")},iv:${iv.toString("base64")},tag:${tag.toString("base64")},type:${type}]`;
}

/**
 * Canonical padded base64: whole groups of four, then optionally a padded group whose unused low bits are zero (the
 * only spelling `base64.StdEncoding` writes for its bytes).
 */
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/;

export const isCanonicalBase64 = (text: string): boolean => CANONICAL_BASE64.test(text);

/** Go `base64.StdEncoding` decoding, made strict: padding required and the text must be canonical. */
function decodeBase64(text: string, field: string): Buffer {
  const bytes = Buffer.from(text, "base64");
  if (!isCanonicalBase64(text)) {
    throw new DecryptValueError(`Could not decrypt value: the ${field} field is not valid padded base64`);
  }
  return bytes;
}

/** `key` may be a secret KeyObject made once per document, as for `encryptValue`. */
export function decryptValue(text: string, key: Buffer | KeyObject, aad: string): DecryptedValue {
  const m = ENC_PATTERN.exec(text);
  if (!m) {
    throw new DecryptValueError(`Could not decrypt value: Input string ${text} does not match sops' data format`);
  }
  const data = decodeBase64(m[1], "data");
  const iv = decodeBase64(m[2], "iv");
  const tag = decodeBase64(m[3], "tag");
  if (iv.length === 0) throw new DecryptValueError("Could not decrypt value: empty IV");
  if (tag.length !== TAG_BYTES) throw new DecryptValueError(`Could not decrypt value: the tag must be ${TAG_BYTES} bytes, got ${tag.length}`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(tag);
    const head = decipher.update(data);
    const rest = decipher.final(); // empty for GCM, which is a stream mode; it checks the tag
    const plaintext = rest.length === 0 ? head : Buffer.concat([head, rest]);
    return { plaintext, type: m[4], iv };
  } catch {
    throw new DecryptValueError("Could not decrypt value: Could not decrypt with AES_GCM: cipher: message authentication failed");
  }
}
