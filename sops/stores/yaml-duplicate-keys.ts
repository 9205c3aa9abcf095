/**
 * Duplicate mapping keys as Go yaml.v3 reports them when sops unmarshals a document: keys compare by node kind and
 * value, every earlier/later pair is reported, a mapping with duplicates is not descended into, and aliases are
 * followed (so a duplicate inside an anchored mapping is reported once per use). Linear in the document size.
 */
import { isAlias, isMap, isScalar, isSeq } from "yaml";
import type { Document, Node as YamlNode } from "yaml";
import { type AliasBudget, MAX_NESTING_DEPTH, nestingError } from "./parse-limits";
import { type AliasResolver, aliasResolver } from "./yaml-aliases";

/** Which mappings sops checks: all of them on plaintext input, only the top level and `sops` when reading metadata. */
export type DuplicateKeyScope = "plain" | "encrypted";

const MAX_ALIAS_DEPTH = 1000;

function keyIdentity(key: unknown): string | undefined {
  if (isScalar(key)) return `s:${typeof key.source === "string" ? key.source : String(key.value ?? "")}`;
  if (isAlias(key)) return `a:${key.source}`;
  return undefined;
}

/** The yaml.v3 error lines (`line 3: mapping key "a" already defined at line 1`) for the duplicates in `doc`. */
export function duplicateKeyErrors(
  doc: Document.Parsed,
  lineOf: (offset: number) => number,
  scope: DuplicateKeyScope,
  budget?: AliasBudget,
  resolveAlias: AliasResolver = aliasResolver(doc),
): string[] {
  const errors: string[] = [];
  let aliasDepth = 0;
  let depth = 0;
  const line = (node: unknown): number => lineOf((node as YamlNode | null)?.range?.[0] ?? 0) + 1;

  const mappingErrors = (pairs: ReadonlyArray<{ key: unknown }>): string[] => {
    const seen = new Map<string, number[]>();
    const found: Array<{ first: number; second: number; text: string }> = [];
    pairs.forEach((pair, j) => {
      const id = keyIdentity(pair.key);
      if (id === undefined) return;
      const before = seen.get(id);
      if (before === undefined) {
        seen.set(id, [j]);
        return;
      }
      for (const i of before) {
        found.push({ first: i, second: j, text: `line ${line(pair.key)}: mapping key ${JSON.stringify(id.slice(2))} already defined at line ${line(pairs[i].key)}` });
      }
      before.push(j);
    });
    // yaml.v3 compares each key with every later one, so the earlier key orders the report
    found.sort((a, b) => a.first - b.first || a.second - b.second);
    return found.map((f) => f.text);
  };

  const walk = (node: unknown, depthLeft: number): void => {
    budget?.node(aliasDepth > 0);
    if (isAlias(node)) {
      if (aliasDepth >= MAX_ALIAS_DEPTH) return;
      aliasDepth++;
      walk(resolveAlias(node), depthLeft);
      aliasDepth--;
      return;
    }
    if ((isSeq(node) || isMap(node)) && depth + 1 > MAX_NESTING_DEPTH) throw nestingError("yaml");
    depth++;
    walkCollection(node, depthLeft);
    depth--;
  };

  const walkCollection = (node: unknown, depthLeft: number): void => {
    if (isSeq(node)) {
      if (depthLeft > 0) for (const item of node.items) walk(item, depthLeft);
      return;
    }
    if (!isMap(node)) return;
    const own = mappingErrors(node.items);
    if (own.length > 0) {
      errors.push(...own);
      return;
    }
    if (depthLeft <= 0) return;
    for (const pair of node.items) walk(pair.value, depthLeft - 1);
  };

  if (scope === "plain") {
    walk(doc.contents, Number.POSITIVE_INFINITY);
    return errors;
  }
  // Reading metadata decodes the top level into a struct: only the top mapping and the `sops` block are examined.
  const top = doc.contents;
  if (!isMap(top)) return errors;
  walk(top, 0);
  if (errors.length > 0) return errors;
  const sops = top.items.find((p) => isScalar(p.key) && p.key.source === "sops");
  if (sops) walk(sops.value, Number.POSITIVE_INFINITY);
  return errors;
}
