/**
 * Shamir secret sharing over GF(2^8) (AES polynomial 0x11B), share layout as sops's `shamir` package (from HashiCorp
 * Vault): share i holds the evaluations at x = i + 1 of one random polynomial per secret byte, followed by the byte
 * i + 1; combining interpolates at x = 0.
 */
import { randomBytes } from "node:crypto";

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    // multiply by the generator 3: x * 2 (reduced by 0x11B) xor x
    const doubled = (x << 1) ^ (x & 0x80 ? 0x11b : 0);
    x = doubled ^ x;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
}

function mul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[LOG[a] + LOG[b]];
}

function div(a: number, b: number): number {
  if (b === 0) throw new Error("Shamir: division by zero (duplicate share x coordinate)");
  if (a === 0) return 0;
  return EXP[LOG[a] + 255 - LOG[b]];
}

/** Splits `secret` into `parts` shares, any `threshold` of which recover it. */
export function shamirSplit(secret: Uint8Array, parts: number, threshold: number): Buffer[] {
  if (parts < threshold) throw new Error(`Shamir: parts (${parts}) cannot be less than the threshold (${threshold})`);
  if (parts > 255) throw new Error(`Shamir: parts (${parts}) cannot exceed 255`);
  if (threshold < 2) throw new Error(`Shamir: the threshold must be at least 2, got ${threshold}`);
  if (secret.length === 0) throw new Error("Shamir: cannot split an empty secret");
  const out = Array.from({ length: parts }, (_, i) => {
    const share = Buffer.alloc(secret.length + 1);
    share[secret.length] = i + 1;
    return share;
  });
  const coefficients = randomBytes(secret.length * (threshold - 1));
  for (let idx = 0; idx < secret.length; idx++) {
    const base = idx * (threshold - 1);
    for (let i = 0; i < parts; i++) {
      const x = i + 1;
      // Horner: highest coefficient first, the secret byte is the constant term
      let y = coefficients[base + threshold - 2];
      for (let c = threshold - 3; c >= 0; c--) y = mul(y, x) ^ coefficients[base + c];
      out[i][idx] = mul(y, x) ^ secret[idx];
    }
  }
  return out;
}

/** Recovers the secret from at least `threshold` shares (all of the same length, distinct x coordinates). */
export function shamirCombine(parts: readonly Uint8Array[]): Buffer {
  if (parts.length < 2) throw new Error("Shamir: less than two parts cannot be used to reconstruct the secret");
  const len = parts[0].length;
  if (len < 2) throw new Error("Shamir: parts must be at least two bytes");
  if (parts.some((p) => p.length !== len)) throw new Error("Shamir: all parts must be the same length");
  const xs = parts.map((p) => p[len - 1]);
  if (new Set(xs).size !== xs.length) throw new Error("Shamir: duplicate part detected");
  // Lagrange basis at x = 0 (subtraction is xor in GF(2^8))
  const basis = xs.map((xi, i) => {
    let b = 1;
    xs.forEach((xj, j) => {
      if (i !== j) b = mul(b, div(xj, xi ^ xj));
    });
    return b;
  });
  const secret = Buffer.alloc(len - 1);
  for (let idx = 0; idx < len - 1; idx++) {
    let v = 0;
    for (let i = 0; i < parts.length; i++) v ^= mul(parts[i][idx], basis[i]);
    secret[idx] = v;
  }
  return secret;
}
