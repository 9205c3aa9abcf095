import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCanonicalBase64 } from "../../../sops/value-cipher";

/** The definition: the text is exactly what encoding its decoded bytes gives back. */
const roundTrips = (text: string): boolean => Buffer.from(text, "base64").toString("base64") === text;

describe("canonical padded base64 (the ENC[] fields)", () => {
  it("agrees with the decode-and-encode-again definition on any text over the alphabet", () => {
    const text = fc.string({ unit: fc.constantFrom(..."ABCQgwxyz019+/=AEIMQUYcgkosw048 -_\n".split("")), maxLength: 12 });
    fc.assert(fc.property(text, (s) => {
        expect(isCanonicalBase64(s)).toBe(roundTrips(s));
      }), { numRuns: 20_000 });
  });

  it("agrees on every encoding of random bytes and on each one-character change of it", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(), fc.constantFrom(..."AB+/=xQw9".split("")), (bytes, at, c) => {
        const text = Buffer.from(bytes).toString("base64");
        expect(isCanonicalBase64(text)).toBe(true);
        const changed = text.length === 0 ? c : text.slice(0, at % text.length) + c + text.slice((at % text.length) + 1);
        expect(isCanonicalBase64(changed)).toBe(roundTrips(changed));
      }),
      { numRuns: 20_000 },
    );
  });
});
