import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decryptDocument, encryptDocument } from "../../../sops/document-cipher";
import { StoreFormat, storeFor } from "../../../sops/stores/index";
import type { Branch, Comment, Scalar, Sequence, Tree, Value } from "../../../sops/tree";
import { NOW, metadataFor } from "./helpers";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 0) || 60;
const INT64 = 2n ** 63n;

const text = fc.string({ unit: "grapheme", maxLength: 12 });
const wildKey = text.filter((k) => !k.endsWith("_unencrypted"));
const safeKey = fc.stringMatching(/^[a-z0-9-]{1,8}$/);

const scalar = (withTime: boolean): fc.Arbitrary<Scalar> =>
  fc.oneof(
    text.map((value): Scalar => ({ kind: "str", value })),
    fc.bigInt({ min: -INT64, max: INT64 - 1n }).map((value): Scalar => ({ kind: "int", value })),
    fc.double({ noNaN: true }).map((value): Scalar => ({ kind: "float", value })),
    fc.boolean().map((value): Scalar => ({ kind: "bool", value })),
    fc.constant<Scalar>({ kind: "null" }),
    ...(withTime ? [fc.date({ min: new Date("0001-01-01"), max: new Date("9999-12-31"), noInvalidDate: true }).map((d): Scalar => ({ kind: "time", value: d.toISOString().replace(/\.?0+Z$/, "Z") }))] : []),
  );

const commentArb = fc.string({ unit: "grapheme", maxLength: 12 }).filter((c) => !/[\r\n\u0085\u2028\u2029]/.test(c)).map((value): Comment => ({ kind: "comment", value }));

/** Collections always hold at least one entry; comments (YAML only) go between entries. */
function documentArb(opts: { key: fc.Arbitrary<string>; withComments: boolean; withTime: boolean }): fc.Arbitrary<Branch> {
  const { value } = fc.letrec<{ value: Value; branch: Branch; sequence: Sequence }>((tie) => ({
    value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar(opts.withTime), tie("branch"), tie("sequence")),
    branch: fc
      .uniqueArray(fc.tuple(opts.key, tie("value"), opts.withComments ? fc.array(commentArb, { maxLength: 2 }) : fc.constant([])), {
        minLength: 1,
        maxLength: 4,
        selector: ([k]) => k,
      })
      .map((entries): Branch => ({ kind: "branch", items: entries.flatMap(([key, v, cs]) => [...cs, { key, value: v }]) })),
    sequence: fc
      .array(fc.tuple(tie("value"), opts.withComments ? fc.array(commentArb, { maxLength: 2 }) : fc.constant([])), { minLength: 1, maxLength: 4 })
      .map((items): Sequence => ({ kind: "sequence", items: items.flatMap(([v, cs]) => [...cs, v]) })),
  }));
  return fc
    .uniqueArray(fc.tuple(opts.key.filter((k) => k !== "sops"), value, opts.withComments ? fc.array(commentArb, { maxLength: 2 }) : fc.constant([])), {
      minLength: 1,
      maxLength: 5,
      selector: ([k]) => k,
    })
    .map((entries): Branch => ({ kind: "branch", items: entries.flatMap(([key, v, cs]) => [...cs, { key, value: v }]) }));
}

function roundTrip(format: StoreFormat, plain: Tree, key: Buffer): Tree {
  const store = storeFor(format);
  const enc = encryptDocument(plain, key, {}, { now: NOW });
  const bytes = store.emitEncrypted(enc.tree, metadataFor(enc, { unencryptedSuffix: "_unencrypted" }));
  const parsed = store.parseEncrypted(bytes);
  return decryptDocument(parsed.tree, parsed.metadata, key).tree;
}

const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => Buffer.from(a));

describe("encrypt then decrypt is the identity", () => {
  it("YAML, multi-document, with comments and every scalar type", () => {
    fc.assert(
      fc.property(fc.array(documentArb({ key: wildKey, withComments: true, withTime: true }), { minLength: 1, maxLength: 3 }), keyArb, (documents, key) => {
        expect(roundTrip("yaml", { documents }, key)).toEqual({ documents });
      }),
      { numRuns: RUNS },
    );
  });

  it("JSON", () => {
    fc.assert(
      fc.property(documentArb({ key: wildKey, withComments: false, withTime: true }), keyArb, (doc, key) => {
        expect(roundTrip("json", { documents: [doc] }, key)).toEqual({ documents: [doc] });
      }),
      { numRuns: RUNS },
    );
  });

  it("dotenv", () => {
    const envKey = fc.string({ unit: "grapheme", maxLength: 10 }).filter((k) => !/[=\n]/.test(k) && !k.startsWith("#") && !k.startsWith("sops_") && !k.endsWith("_unencrypted") && k !== "");
    const item = fc.oneof(
      fc.tuple(envKey, text).map(([key, value]) => ({ key, value: { kind: "str", value } as Value })),
      commentArb,
    );
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 8 }), keyArb, (items, key) => {
        const doc: Branch = { kind: "branch", items };
        expect(roundTrip("dotenv", { documents: [doc] }, key)).toEqual({ documents: [doc] });
      }),
      { numRuns: RUNS },
    );
  });

  it("binary", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), keyArb, (bytes, key) => {
        const store = storeFor("binary");
        const data = Buffer.from(bytes);
        expect(store.emitPlain(roundTrip("binary", store.parsePlain(data), key))).toEqual(data);
      }),
      { numRuns: RUNS },
    );
  });
});

/** Byte ranges that carry integrity: ENC tokens (values, comments, MAC), lastmodified, and data keys. */
function protectedRanges(text: string, format: "yaml" | "json"): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const m of text.matchAll(/ENC\[[^\]]*\]/g)) ranges.push([m.index, m.index + m[0].length]);
  const lm = /lastmodified"?: "([^"]+)"/.exec(text);
  if (lm) ranges.push([lm.index + lm[0].indexOf(lm[1]), lm.index + lm[0].indexOf(lm[1]) + lm[1].length]);
  const dataEnd = format === "yaml" ? text.indexOf("\nsops:") : text.indexOf('\n\t"sops": {');
  const keyPattern = format === "yaml" ? /^[ -]*([a-z0-9-]+):/gm : /"([a-z0-9-]+)": /g;
  for (const m of text.slice(0, dataEnd).matchAll(keyPattern)) {
    const start = m.index + m[0].indexOf(m[1]);
    ranges.push([start, start + m[1].length]);
  }
  return ranges;
}

describe("any single-byte change to an encrypted document is rejected", () => {
  const nonEmpty = (s: Scalar): boolean => s.kind !== "null" && !(s.kind === "str" && s.value === "");
  const strictScalar = scalar(true).filter(nonEmpty);
  const doc = fc
    .uniqueArray(fc.tuple(safeKey.filter((k) => k !== "sops"), fc.oneof(strictScalar, fc.array(strictScalar, { minLength: 1, maxLength: 3 }).map((items): Value => ({ kind: "sequence", items })))), {
      minLength: 1,
      maxLength: 6,
      selector: ([k]) => k,
    })
    .map((entries): Branch => ({ kind: "branch", items: entries.map(([key, value]) => ({ key, value })) }));

  for (const format of ["yaml", "json"] as const) {
    it(format, () => {
      fc.assert(
        fc.property(doc, keyArb, fc.nat(), fc.integer({ min: 0x21, max: 0x7e }), (d, key, pick, replacement) => {
          const store = storeFor(format);
          const enc = encryptDocument({ documents: [d] }, key, {}, { now: NOW });
          const text = store.emitEncrypted(enc.tree, metadataFor(enc, { unencryptedSuffix: "_unencrypted" })).toString();
          const positions = protectedRanges(text, format).flatMap(([a, b]) => Array.from({ length: b - a }, (_, i) => a + i));
          const pos = positions[pick % positions.length];
          fc.pre(text.charCodeAt(pos) !== replacement);
          const mutated = text.slice(0, pos) + String.fromCharCode(replacement) + text.slice(pos + 1);
          expect(() => {
            const parsed = store.parseEncrypted(Buffer.from(mutated));
            decryptDocument(parsed.tree, parsed.metadata, key);
          }).toThrow();
        }),
        { numRuns: 100 },
      );
    });
  }
});
