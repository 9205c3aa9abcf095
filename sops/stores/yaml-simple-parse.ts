/**
 * A fast path for the most common plaintext input: one document of nested block mappings whose keys and values are
 * short plain words (`name: value`, `parent:` + indented children), without comments, quotes, sequences, flow
 * collections, anchors, tags, tabs or multi-line scalars. It returns exactly the tree the full parser gives, or
 * `undefined` for anything else (including duplicate keys, values sops refuses and nesting deeper than
 * MAX_NESTING_DEPTH), and the caller then uses the full parser, which also produces the errors.
 */
import { Branch, Value } from "../tree";
import { MAX_NESTING_DEPTH } from "./parse-limits";
import { resolvePlain } from "./yaml-typing";

const LINE = /^( *)([A-Za-z_][A-Za-z0-9_./-]*):(?: ([^ ].*))?$/;
/** A plain scalar that cannot be read as anything but itself: no indicator first, no `: `/` #`, no trailing blank. */
const WORD = /^(?:[A-Za-z0-9_./+=]|-(?=[A-Za-z0-9_./+=]))[A-Za-z0-9_./+=-]*$/;

interface Open {
  branch: Branch;
  indent: number;
  keys: Set<string>;
}

export function parseSimpleYaml(text: string): Branch[] | undefined {
  const root = parseSimpleMappings(text, MAX_NESTING_DEPTH, plainWord);
  return root === undefined ? undefined : [root];
}

/** A value written as a plain word, typed as the full parser types it; undefined for values sops refuses (uint64). */
export function plainWord(raw: string): Value | undefined {
  if (!WORD.test(raw)) return undefined;
  const value = resolvePlain(raw);
  return value.kind === "uint64" ? undefined : value;
}

/**
 * The line walk both fast paths share: nested block mappings of `key: value` and `parent:` lines, read iteratively
 * (an explicit stack, at most `maxDepth` levels). `scalar` reads a value, or returns undefined to decline the text.
 * Returns the top-level branch, or undefined for anything outside the subset (and for an empty text).
 */
export function parseSimpleMappings(text: string, maxDepth: number, scalar: (raw: string) => Value | undefined): Branch | undefined {
  if (text.includes("#") || text.includes("\r") || text.includes("\t") || text.charCodeAt(0) === 0xfeff) return undefined;
  const root: Branch = { kind: "branch", items: [] };
  const stack: Open[] = [{ branch: root, indent: 0, keys: new Set() }];
  /** The entry written as `key:` with nothing after it: a nested mapping if deeper lines follow, else null. */
  let pending: { item: { key: string; value: Value }; indent: number } | undefined;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.length === 0) continue;
    const m = LINE.exec(line);
    if (m === null) return undefined;
    const indent = m[1].length;
    const key = m[2];
    const rawValue = m[3];
    if (pending !== undefined && indent > pending.indent) {
      if (stack.length >= maxDepth) return undefined;
      const child: Branch = { kind: "branch", items: [] };
      pending.item.value = child;
      stack.push({ branch: child, indent, keys: new Set() });
    } else {
      while (stack.length > 1 && indent < stack[stack.length - 1].indent) stack.pop();
    }
    pending = undefined;
    const top = stack[stack.length - 1];
    if (indent !== top.indent || top.keys.has(key) || resolvePlain(key).kind !== "str") return undefined;
    top.keys.add(key);
    const item: { key: string; value: Value } = { key, value: { kind: "null" } };
    top.branch.items.push(item);
    if (rawValue === undefined) {
      pending = { item, indent };
      continue;
    }
    const value = scalar(rawValue);
    if (value === undefined) return undefined;
    item.value = value;
  }
  return root.items.length === 0 ? undefined : root;
}
