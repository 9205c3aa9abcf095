import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { shamirCombine, shamirSplit } from "../../../sops/shamir";

describe("Shamir over GF(2^8) (sops/Vault layout)", () => {
  it("splits a 32-byte key into 33-byte shares tagged with x = i + 1", () => {
    const secret = randomBytes(32);
    const shares = shamirSplit(secret, 3, 2);
    expect(shares.map((s) => s.length)).toEqual([33, 33, 33]);
    expect(shares.map((s) => s[32])).toEqual([1, 2, 3]);
  });

  it("recovers the secret from any threshold-sized subset, in any order", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 2, max: 5 }), fc.integer({ min: 0, max: 3 }), (secret, threshold, extra) => {
        const parts = threshold + extra;
        const shares = shamirSplit(secret, parts, threshold);
        const subset = shares.slice(extra).reverse();
        expect(shamirCombine(subset.slice(0, threshold))).toEqual(Buffer.from(secret));
        expect(shamirCombine(shares)).toEqual(Buffer.from(secret));
      }),
      { numRuns: 60 },
    );
  });

  it("does not recover the secret from fewer shares than the threshold", () => {
    const secret = randomBytes(32);
    const shares = shamirSplit(secret, 3, 3);
    expect(shamirCombine(shares.slice(0, 2))).not.toEqual(secret);
  });

  it("combines known Vault-layout shares of a degree-1 polynomial (hand-computed)", () => {
    // p(x) = 0x42 + 0x05·x over GF(2^8): p(1) = 0x47, p(2) = 0x42 ^ 0x0a = 0x48
    expect(shamirCombine([Buffer.from([0x47, 1]), Buffer.from([0x48, 2])])).toEqual(Buffer.from([0x42]));
    // p(0x80) = 0x42 ^ 0x05·0x80, and 0x05·0x80 = 0x80·4 ^ 0x80 = 0x36 ^ 0x80 = 0xb6 (mod 0x11B)
    expect(shamirCombine([Buffer.from([0x42 ^ 0xb6, 0x80]), Buffer.from([0x47, 1])])).toEqual(Buffer.from([0x42]));
  });

  it("rejects duplicates, mismatched lengths and bad parameters", () => {
    const shares = shamirSplit(randomBytes(4), 3, 2);
    expect(() => shamirCombine([shares[0], shares[0]])).toThrow(/duplicate/);
    expect(() => shamirCombine([shares[0], shares[1].subarray(1)])).toThrow(/same length/);
    expect(() => shamirCombine([shares[0]])).toThrow(/less than two/);
    expect(() => shamirSplit(randomBytes(4), 2, 3)).toThrow(/less than the threshold/);
    expect(() => shamirSplit(randomBytes(4), 3, 1)).toThrow(/at least 2/);
  });
});
