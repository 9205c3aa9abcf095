/**
 * A fast path for the most common encrypted input: what `sops encrypt` (ours or the real one) writes for a document of
 * nested block mappings, i.e. one document whose lines are `key: ENC[AES256_GCM,…]`, `key: word` (a value left in
 * clear) or `parent:` with indented children, followed by the top-level `sops:` metadata. The body is read line by
 * line; the `sops:` section (a few lines, with a block scalar per recipient) goes through the full parser.
 *
 * It returns exactly the tree the full parser gives, or `undefined` for anything else: comments, quotes, sequences,
 * flow collections, anchors, aliases, tags, tabs, CR, a BOM, multi-line scalars, duplicate keys, values sops types as
 * unsigned integers, nesting deeper than `MAX_DEPTH`, more than one document, or a `sops` section that is not the last
 * top-level key. The caller then uses the full parser, which applies its own limits and produces the errors. The walk is
 * iterative (an explicit stack), so no input can make it recurse.
 */
import type { Branch, Value } from "../tree";
import { resolvePlain } from "./yaml-typing";

const LINE = /^( *)([A-Za-z_][A-Za-z0-9_./-]*):(?: ([^ ].*))?$/;
/** One encrypted value as sops writes it: canonical characters only, no blanks, nothing after the `]`. */
const ENCRYPTED = /^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:[a-z]+\]$/;
/** A plain scalar that cannot be read as anything but itself (as in yaml-simple-parse.ts). */
const WORD = /^(?:[A-Za-z0-9_./+=]|-(?=[A-Za-z0-9_./+=]))[A-Za-z0-9_./+=-]*$/;
/**
 * Deeper documents are left to the full parser and its limits; kept well below any nesting limit that parser may
 * enforce, so that this path never accepts a document the full parser would refuse for its depth.
 */
export const MAX_DEPTH = 16;

interface Open {
  branch: Branch;
  indent: number;
  keys: Set<string>;
}

/** Where the top-level `sops:` line starts, or -1. */
function metadataStart(text: string): number {
  if (text.startsWith("sops:\n")) return 0;
  const at = text.indexOf("\nsops:\n");
  return at < 0 ? -1 : at + 1;
}

/** The body's top-level branch, or undefined when a line falls outside the subset. */
function parseBody(body: string): Branch | undefined {
  if (body.includes("#") || body.includes("\r") || body.includes("\t") || body.charCodeAt(0) === 0xfeff) return undefined;
  const root: Branch = { kind: "branch", items: [] };
  const stack: Open[] = [{ branch: root, indent: 0, keys: new Set() }];
  /** The entry written as `key:` with nothing after it: a nested mapping if deeper lines follow, else null. */
  let pending: { item: { key: string; value: Value }; indent: number } | undefined;
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf("\n", start);
    if (end < 0) end = body.length;
    const line = body.slice(start, end);
    start = end + 1;
    if (line.length === 0) continue;
    const m = LINE.exec(line);
    if (m === null) return undefined;
    const indent = m[1].length;
    const key = m[2];
    const rawValue = m[3];
    if (pending !== undefined && indent > pending.indent) {
      if (stack.length >= MAX_DEPTH) return undefined;
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
    } else if (rawValue.startsWith("ENC[")) {
      if (!ENCRYPTED.test(rawValue)) return undefined;
      item.value = { kind: "str", value: rawValue };
    } else {
      if (!WORD.test(rawValue)) return undefined;
      const value = resolvePlain(rawValue);
      if (value.kind === "uint64") return undefined;
      item.value = value;
    }
  }
  return root.items.length === 0 ? undefined : root;
}

/**
 * `parseFully` is the full parser (yaml-parse.ts), used for the `sops:` section; it is passed in so that this file
 * does not import the module that imports it.
 */
export function parseEncryptedYamlFast(text: string, parseFully: (text: string) => Branch[]): Branch[] | undefined {
  const at = metadataStart(text);
  if (at <= 0) return undefined;
  const body = parseBody(text.slice(0, at));
  if (body === undefined) return undefined;
  let tail: Branch[];
  try {
    tail = parseFully(text.slice(at));
  } catch {
    return undefined; // the full parse of the whole text reports it, with the right line numbers
  }
  if (tail.length !== 1 || tail[0].items.length !== 1) return undefined;
  const metadata = tail[0].items[0];
  if (!("key" in metadata) || metadata.key !== "sops" || body.items.some((item) => "key" in item && item.key === "sops")) return undefined;
  body.items.push(metadata);
  return [body];
}
