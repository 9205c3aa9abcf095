import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { randomBootstrapToken, randomTokenString } from "../../../talos/pki/random";

describe("randomTokenString", () => {
  it("drops bytes >= 252 and maps the rest with byte % 36, as Talos does", () => {
    const bytes = Buffer.from([252, 253, 255, 0, 35, 36, 251, 254]);
    // 252, 253, 255 rejected; 0 -> '0', 35 -> 'z', 36 -> '0', 251 % 36 = 35 -> 'z'
    expect(randomTokenString(4, (n) => bytes.subarray(0, n))).toBe("0z0z");
  });

  it("keeps drawing when a whole batch is rejected", () => {
    let call = 0;
    const source = (n: number) => (call++ === 0 ? Buffer.alloc(n, 255) : Buffer.alloc(n, 37));
    expect(randomTokenString(3, source)).toBe("111");
  });

  it("only ever yields kubeadm tokens", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (seed) => {
        let offset = 0;
        const source = (n: number) => {
          const out = Buffer.alloc(n);
          for (let i = 0; i < n; i++) out[i] = seed[(offset++ % seed.length)] ^ (offset & 0xff);
          return out;
        };
        return /^[0-9a-z]{16}$/.test(randomTokenString(16, source));
      }),
      { numRuns: 100 },
    );
    for (let i = 0; i < 50; i++) expect(randomBootstrapToken()).toMatch(/^[0-9a-z]{6}\.[0-9a-z]{16}$/);
  });
});
