/**
 * Bounds every parse of untrusted input shares (issue 16 item 3): document size, nesting depth and alias expansion.
 * The stores' parse functions (`parseYamlDocuments`, `parseJson`, the dotenv reader) and `parseBoundedYaml` enforce
 * them, so any caller (CLI, fast paths, render, check) inherits them.
 */
import { Lexer, isAlias, isMap, isScalar, isSeq, parseDocument } from "yaml";
import { InvalidInputError } from "../errors";
import { aliasResolver } from "./yaml-aliases";

/** The largest YAML/JSON/dotenv document read (sops has no limit; no GitOps file comes near it). */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;
/**
 * The deepest nesting read. sops (go-yaml) allows 10,000 levels; the `yaml` library's composer and our tree walks
 * recurse, and overflow Node's stack from about 800 levels, so the bound is lower. No real config nests past ~20.
 */
export const MAX_NESTING_DEPTH = 256;
/** Nodes produced by alias expansion, whatever the ratio: a hard memory bound on top of go-yaml's ratio rule. */
export const MAX_ALIAS_EXPANDED_NODES = 1_000_000;

export function checkDocumentSize(length: number, what: string): void {
  if (length > MAX_DOCUMENT_BYTES) {
    throw new InvalidInputError(`Error unmarshalling file: the ${what} input is larger than the ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB talos-homelab reads (${length} bytes)`);
  }
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The bytes as text, refusing invalid UTF-8 as sops's YAML store does ("invalid leading UTF-8 octet", exit 2) instead
 * of turning bytes into U+FFFD. sops's JSON and dotenv stores replace them silently; losing bytes is never right, so
 * they are refused there too.
 */
export function decodeUtf8(bytes: Buffer, what: string): string {
  checkDocumentSize(bytes.length, what);
  try {
    return UTF8.decode(bytes);
  } catch {
    const valid = Buffer.from(bytes.toString("utf8"), "utf8");
    let at = 0;
    while (at < bytes.length && at < valid.length && bytes[at] === valid[at]) at++;
    throw new InvalidInputError(`Error unmarshalling file: ${what}: invalid UTF-8 at byte offset ${at}: save the file as UTF-8 (or encrypt it with --input-type binary)`);
  }
}

export function nestingError(what: string): InvalidInputError {
  const sops = what === "yaml" ? "; sops allows 10000" : "";
  return new InvalidInputError(`Error unmarshalling file: ${what}: nesting deeper than ${MAX_NESTING_DEPTH} levels (talos-homelab's bound${sops})`);
}

/**
 * Refuses YAML nested deeper than MAX_NESTING_DEPTH, from the lexer's tokens alone (linear, and it stops at the first
 * token past the bound). Flow collections count their brackets. Block collections follow YAML's indentation rule: a
 * stack of the columns where block nodes start (a line's first token, and each `-`/`?` indicator of compact forms
 * such as `- - x`); a node closes every open one at its column or right of it.
 */
export function checkYamlNesting(text: string): void {
  checkDocumentSize(text.length, "YAML");
  let offset = 0;
  let lineStart = 0;
  let flow = 0;
  let atLineStart = true;
  const columns: number[] = [];
  for (const token of new Lexer().lex(text)) {
    // doc-mode, flow-error-end and scalar markers are not source text
    if (token === "\x02" || token === "\x18" || token === "\x1f") continue;
    switch (token) {
      case "[":
      case "{":
        if (++flow + columns.length > MAX_NESTING_DEPTH) throw nestingError("yaml");
        break;
      case "]":
      case "}":
        if (flow > 0) flow--;
        break;
      case "\n":
      case "\r\n":
        lineStart = offset + token.length;
        atLineStart = true;
        break;
      case "---":
      case "...":
        if (offset === lineStart) columns.length = 0;
        break;
      default:
        if (flow === 0 && (atLineStart || token === "-" || token === "?") && token.trim() !== "" && !token.startsWith("#")) {
          const column = offset - lineStart;
          while (columns.length > 0 && columns[columns.length - 1] >= column) columns.pop();
          columns.push(column);
          if (columns.length > MAX_NESTING_DEPTH) throw nestingError("yaml");
        }
        if (token.trim() !== "") atLineStart = false;
        // multi-line scalars (block, quoted, plain) move the line start too
        if (token.includes("\n")) {
          lineStart = offset + token.lastIndexOf("\n") + 1;
          atLineStart = lineStart === offset + token.length;
        }
    }
    offset += token.length;
  }
}

/**
 * go-yaml's rule against alias bombs ("document contains excessive aliasing"), which sops inherits: once more than
 * 100 nodes came from aliases among more than 1,000, their share may not exceed 99% (up to 400,000 nodes), falling
 * to 10% at 4,000,000. Plus a hard cap on alias-expanded nodes.
 */
export class AliasBudget {
  private decoded = 0;
  private fromAliases = 0;

  constructor(private readonly what: string) {}

  /** Counts one node; `insideAlias` when it is reached through an alias. */
  node(insideAlias: boolean): void {
    this.decoded++;
    if (!insideAlias) return;
    this.fromAliases++;
    if (this.fromAliases > MAX_ALIAS_EXPANDED_NODES || (this.fromAliases > 100 && this.decoded > 1000 && this.fromAliases / this.decoded > allowedAliasRatio(this.decoded))) {
      throw new InvalidInputError(`Error unmarshalling file: ${this.what}: document contains excessive aliasing`);
    }
  }
}

function allowedAliasRatio(decoded: number): number {
  const low = 400_000;
  const high = 4_000_000;
  if (decoded <= low) return 0.99;
  if (decoded >= high) return 0.1;
  return 0.99 - 0.89 * ((decoded - low) / (high - low));
}

/**
 * The `yaml` library's `parse` for plain data (configs, manifests), under the same bounds: size and nesting checked
 * first, aliases resolved in one pass and counted by go-yaml's rule. (The library's own `toJS` searches the document
 * once per alias: 27,000 aliases took 11 s.)
 */
export function parseBoundedYaml(text: string, what: string): unknown {
  checkYamlNesting(text);
  const doc = parseDocument(text, { merge: false, uniqueKeys: true });
  if (doc.errors.length > 0) throw doc.errors[0];
  const resolve = aliasResolver(doc);
  const budget = new AliasBudget(what);
  let depth = 0;
  let aliasDepth = 0;
  const convert = (node: unknown): unknown => {
    budget.node(aliasDepth > 0);
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      aliasDepth++;
      const v = convert(resolve(node));
      aliasDepth--;
      return v;
    }
    if (isScalar(node)) return node.value;
    if (!isMap(node) && !isSeq(node)) return null;
    if (++depth > MAX_NESTING_DEPTH) throw nestingError("yaml");
    let out: unknown;
    if (isSeq(node)) out = node.items.map(convert);
    else {
      const obj: Record<string, unknown> = {};
      for (const pair of node.items) {
        const key = convert(pair.key);
        obj[typeof key === "string" ? key : JSON.stringify(key)] = convert(pair.value);
      }
      out = obj;
    }
    depth--;
    return out;
  };
  return convert(doc.contents);
}
