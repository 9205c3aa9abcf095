import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_DEPTH, parseEncryptedYamlFast } from "../../../sops/stores/yaml-encrypted-fast-parse";
import { parseYamlDocuments, parseYamlDocumentsFully } from "../../../sops/stores/yaml-parse";

/** Whatever the full parser does with an encrypted document (a tree or an error message). */
function full(text: string): unknown {
  try {
    return parseYamlDocumentsFully(text, "encrypted");
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

/** What the store's parser (fast paths included) does with it. */
function store(text: string): unknown {
  try {
    return parseYamlDocuments(text, "encrypted");
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

const fast = (text: string) => parseEncryptedYamlFast(text, (tail) => parseYamlDocumentsFully(tail, "encrypted"));

const ENC = "ENC[AES256_GCM,data:c2VjcmV0,iv:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]";
const SOPS = [
  "sops:",
  "    age:",
  "        - recipient: age1y9ju54hv0vh5zsyxdlcuseaml2s6v53kwfj46vyafnsme7n629tsk54gvk",
  "          enc: |",
  "            -----BEGIN AGE ENCRYPTED FILE-----",
  "            YWdlLWVuY3J5cHRpb24ub3JnL3YxCg==",
  "            -----END AGE ENCRYPTED FILE-----",
  '    lastmodified: "2026-12-06T21:00:00Z"',
  `    mac: ${ENC.replace("type:str", "type:str")}`,
  "    unencrypted_suffix: _unencrypted",
  "    version: 3.11.0",
  "",
].join("\n");

const often = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ arbitrary: good, weight: 30 }, { arbitrary: bad, weight: 1 });
const value = often(
  fc.constantFrom(ENC, ENC.replace("type:str", "type:int"), ENC.replace("type:str", "type:bool"), "ENC[AES256_GCM,data:,iv:AA==,tag:AA==,type:str]", "v1", "Secret", "true", "1", "-5", "0x1F", ".inf", "2024-01-01", "null"),
  fc.constantFrom(`${ENC} `, `${ENC} # c`, `'${ENC}'`, "ENC[AES256_GCM,data:x y,iv:AA==,tag:AA==,type:str]", "ENC[x]", "a b", '""', "*x", "&x", "!t", "|", "[a]", "18446744073709551615", "é", "", "- a"),
);
const key = often(fc.constantFrom("a", "b", "data", "b.c", "app.kubernetes.io/name", "x-y", "_k", "yes", "key_unencrypted"), fc.constantFrom("sops", "true", "1", "a b", "'q'", "-", "~"));
const separator = often(fc.constantFrom(": ", ":"), fc.constantFrom(":  ", " : "));
interface Entry {
  depth: number;
  key: string;
  suffix: boolean;
  sep: string;
  value: string;
  extraIndent: string;
}
const entry: fc.Arbitrary<Entry> = fc.record({ depth: fc.nat(3), key, suffix: fc.boolean(), sep: separator, value, extraIndent: often(fc.constant(""), fc.constantFrom(" ", "\t")) });
const tail = often(fc.constant(SOPS), fc.constantFrom(SOPS.replace("sops:\n", "sops: \n"), `${SOPS}other: x\n`, `${SOPS}---\na: b\n`, `${SOPS}    version: 3.11.0\n`, "sops:\n", "sops:\n  - a\n", "sops: {\n"));

const document = fc
  .tuple(fc.array(often<Entry | string>(entry, fc.constantFrom("", "# c", "---", "- a", "  ", "\r")), { maxLength: 12 }), fc.constantFrom(2, 4), tail)
  .map(([items, step, sopsPart]) => {
    let allowed = 0;
    const lines = items.map((e, i) => {
      if (typeof e === "string") return e;
      const depth = Math.min(e.depth, allowed);
      allowed = e.sep === ":" ? depth + 1 : depth;
      return `${" ".repeat(depth * step)}${e.extraIndent}${e.suffix ? `${e.key}_${i}` : e.key}${e.sep}${e.sep === ":" ? "" : e.value}`;
    });
    return lines.map((l) => `${l}\n`).join("") + sopsPart;
  });

describe("the fast path for encrypted YAML", () => {
  it("gives exactly the full parser's tree whenever it accepts a document, and the store's result never differs", () => {
    let accepted = 0;
    fc.assert(
      fc.property(document, (text) => {
        const result = fast(text);
        if (result !== undefined) {
          accepted++;
          expect(result).toEqual(full(text));
        }
        expect(store(text)).toEqual(full(text));
      }),
      { numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it("accepts what sops writes for nested mappings and declines what it does not handle, leaving errors to the full parser", () => {
    const text = `a:\n    b: ${ENC}\n    c:\n        d: v1\n    e:\nf: ${ENC}\n${SOPS}`;
    expect(fast(text)).toBeDefined();
    expect(fast(text)).toEqual(full(text));
    for (const declined of [
      `a: ${ENC}\na: ${ENC}\n${SOPS}`, // duplicate top-level key: the full parser refuses it
      `a:\n    b: 1\n    b: 2\n${SOPS}`, // nested duplicate: left to the full parser
      `a: ${ENC}\n${SOPS}sops:\n    version: 3.11.0\n`, // two sops sections
      `#ENC[AES256_GCM,data:x,iv:AA==,tag:AA==,type:comment]\na: ${ENC}\n${SOPS}`,
      `a: ${ENC}\n`, // no metadata
      SOPS, // no body
      `a: *x\n${SOPS}`,
      `a: 18446744073709551615\n${SOPS}`,
      `\ufeffa: ${ENC}\n${SOPS}`,
      `a: ${ENC}\n${SOPS}    lastmodified: [\n`, // broken metadata: reported with the whole file's line numbers
    ]) {
      expect(fast(declined)).toBeUndefined();
      expect(store(declined)).toEqual(full(declined));
    }
    expect(store(`a: ${ENC}\na: ${ENC}\n${SOPS}`)).toMatch(/^error: [^]*mapping key "a" already defined at line 1/);
  });

  it("is bounded: nesting deeper than MAX_DEPTH goes to the full parser without recursion", () => {
    const deep = (levels: number) => Array.from({ length: levels }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n") + ` ${ENC}\n${SOPS}`;
    expect(fast(deep(MAX_DEPTH))).toEqual(full(deep(MAX_DEPTH)));
    expect(fast(deep(MAX_DEPTH + 1))).toBeUndefined();
    expect(fast(deep(3000))).toBeUndefined();
  });
});
