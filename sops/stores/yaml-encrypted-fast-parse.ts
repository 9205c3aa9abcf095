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
import { parseSimpleMappings, plainWord } from "./yaml-simple-parse";

/** One encrypted value as sops writes it: canonical characters only, no blanks, nothing after the `]`. */
const ENCRYPTED = /^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:[a-z]+\]$/;
/**
 * Deeper documents are left to the full parser and its limits; kept well below any nesting limit that parser may
 * enforce, so that this path never accepts a document the full parser would refuse for its depth.
 */
export const MAX_DEPTH = 16;

/** Where the top-level `sops:` line starts, or -1. */
function metadataStart(text: string): number {
  if (text.startsWith("sops:\n")) return 0;
  const at = text.indexOf("\nsops:\n");
  return at < 0 ? -1 : at + 1;
}

/** A body value: an encrypted value as sops writes it, or a plain word left in clear. */
function bodyValue(raw: string): Value | undefined {
  if (!raw.startsWith("ENC[")) return plainWord(raw);
  return ENCRYPTED.test(raw) ? { kind: "str", value: raw } : undefined;
}

/**
 * `parseFully` is the full parser (yaml-parse.ts), used for the `sops:` section; it is passed in so that this file
 * does not import the module that imports it.
 */
export function parseEncryptedYamlFast(text: string, parseFully: (text: string) => Branch[]): Branch[] | undefined {
  const at = metadataStart(text);
  if (at <= 0) return undefined;
  const body = parseSimpleMappings(text.slice(0, at), MAX_DEPTH, bodyValue);
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
