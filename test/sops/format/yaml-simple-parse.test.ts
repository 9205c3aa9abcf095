import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseYamlDocumentsFully } from "../../../sops/stores/yaml-parse";
import { parseSimpleYaml } from "../../../sops/stores/yaml-simple-parse";

/** Whatever the full parser does with `text` (a tree or an error message). */
function full(text: string): unknown {
  try {
    return parseYamlDocumentsFully(text);
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

const often = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ arbitrary: good, weight: 30 }, { arbitrary: bad, weight: 1 });
const word = often(
  fc.constantFrom("a", "b", "key_1", "b.c", "app.kubernetes.io/name", "x-y", "true", "null", "1", "0x1F", "1_000", "-5", "+1", ".5", "1e3", ".inf", "2024-01-01", "yes", "=", "--", "...", "a:b", "-x", "1:30", "sops"),
  fc.constantFrom("True", "~", "-", "a b", "a #b", "'q'", '"q"', "[a]", "{a}", "*x", "&x", "!t", "|", ">", "%", "@", "`", "18446744073709551615", "ENC[AES256_GCM,data:x]", "é", "", " ", "<<", "?"),
);
const separator = often(fc.constantFrom(": ", ":"), fc.constantFrom(":  ", " : ", ": - "));
interface Entry {
  depth: number;
  key: string;
  suffix: boolean;
  sep: string;
  value: string;
  extraIndent: string;
}
const key = often(fc.constantFrom("a", "b", "key", "b.c", "app.kubernetes.io/name", "x-y", "_k", "sops", "yes", "Y"), word);
const entry = fc.record({ depth: fc.nat(3), key, suffix: fc.boolean(), sep: separator, value: word, extraIndent: often(fc.constant(""), fc.constantFrom(" ", "  ", "\t")) });
/** Mostly well-formed nesting (a deeper line only under a `key:`), with the odd malformed line mixed in. */
function render(entries: Entry[], step: number): string[] {
  let allowed = 0;
  return entries.map((e, i) => {
    const depth = Math.min(e.depth, allowed);
    const name = e.suffix ? `${e.key}_${i}` : e.key;
    allowed = e.sep === ":" ? depth + 1 : depth;
    return `${" ".repeat(depth * step)}${e.extraIndent}${name}${e.sep}${e.sep === ":" ? "" : e.value}`;
  });
}
const document = fc
  .tuple(
    fc.array(often<Entry[] | string>(entry.map((e) => [e]), fc.constantFrom("", "# c", "---", "- a", "  ", "a: b # c")), { minLength: 0, maxLength: 10 }),
    fc.constantFrom(2, 4),
    often(fc.constant("\n"), fc.constant("\r\n")),
    fc.boolean(),
  )
  .map(([items, step, nl, trailing]) => {
    const lines: string[] = [];
    let run: Entry[] = [];
    for (const item of [...items, ""]) {
      if (typeof item === "string") {
        lines.push(...render(run, step), item);
        run = [];
      } else run.push(...item);
    }
    return lines.slice(0, -1).join(nl) + (trailing ? nl : "");
  });

describe("the fast path for simple YAML", () => {
  it("gives exactly the full parser's tree whenever it accepts a document", () => {
    let accepted = 0;
    fc.assert(
      fc.property(document, (text) => {
        const fast = parseSimpleYaml(text);
        if (fast === undefined) return;
        accepted++;
        expect(fast).toEqual(full(text));
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it("accepts nested mappings and empty values, and declines what it does not handle", () => {
    const text = "a:\n    b: 1\n    c:\n        d: x-y\n    e:\nf: true\n";
    expect(parseSimpleYaml(text)).toEqual(full(text));
    expect(parseSimpleYaml(text)).toBeDefined();
    for (const declined of ["a: 1\na: 2\n", "a: b\n  c\n", "a: 'q'\n", "a: 1 # c\n", "- a\n", "a: b\n---\nc: d\n", "1: a\n", "a: 18446744073709551615\n", "", "\n"]) {
      expect(parseSimpleYaml(declined)).toBeUndefined();
    }
  });
});
