/**
 * Reads YAML into sops trees with Go yaml.v3 semantics: plain scalars typed as yaml.v3 types them, tags dropped
 * (`!!binary` decoded), aliases expanded, and comments placed at the nesting level yaml.v3 gives them.
 */
import { Composer, Document, Parser, isAlias, isMap, isPair, isScalar, isSeq } from "yaml";
import type { CST, Node as YamlNode, Scalar as YamlScalar } from "yaml";
import { InvalidInputError, UnreadableEncryptedFileError } from "../errors";
import { Branch, Comment, Scalar, Sequence, Value } from "../tree";
import { type DuplicateKeyScope, duplicateKeyErrors } from "./yaml-duplicate-keys";
import { AliasBudget, MAX_NESTING_DEPTH, checkDocumentSize, checkYamlNesting, nestingError } from "./parse-limits";
import { type AliasResolver, aliasResolver } from "./yaml-aliases";
import { parseEncryptedYamlFast } from "./yaml-encrypted-fast-parse";
import { parseSimpleYaml } from "./yaml-simple-parse";
import { resolvePlain, resolvePlainScalar } from "./yaml-typing";

interface SourceComment {
  offset: number;
  text: string;
}

/** A collection being built, with what is needed to place comments into it. */
interface Collection {
  out: Branch | Sequence;
  column: number;
  parent: Collection | undefined;
  depth: number;
  /** Source offset of each item in `out.items` (before comments are merged in). */
  itemOffsets: number[];
  /** Comments to insert before item i (index `itemOffsets.length` = after the last item). */
  pending: Map<number, Comment[]>;
  firstEntry?: EntryRef;
}

interface EntryRef {
  offset: number;
  collection: Collection;
  index: number;
  /** The collection this entry holds, if its value is one. */
  holds?: Collection;
}

class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  line(offset: number): number {
    let lo = 0, hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  column(offset: number): number {
    return offset - this.starts[this.line(offset)];
  }

  /** Whether anything but blanks precedes `offset` on its line. */
  hasContentBefore(offset: number): boolean {
    const start = this.starts[this.line(offset)];
    return this.text.slice(start, offset).trim() !== "";
  }
}

function collectComments(token: unknown, into: SourceComment[]): void {
  if (Array.isArray(token)) {
    for (const t of token) collectComments(t, into);
    return;
  }
  if (token === null || typeof token !== "object") return;
  const t = token as { type?: string; offset?: number; source?: string };
  if (t.type === "comment" && typeof t.offset === "number" && typeof t.source === "string") {
    into.push({ offset: t.offset, text: t.source.slice(1) });
    return;
  }
  for (const [k, v] of Object.entries(token)) if (k !== "source" && typeof v === "object") collectComments(v, into);
}

const STR_TAG = "tag:yaml.org,2002:str";
const BINARY_TAG = "tag:yaml.org,2002:binary";
const TYPED_TAGS: Record<string, Scalar["kind"]> = {
  "tag:yaml.org,2002:int": "int",
  "tag:yaml.org,2002:float": "float",
  "tag:yaml.org,2002:bool": "bool",
  "tag:yaml.org,2002:null": "null",
  "tag:yaml.org,2002:timestamp": "time",
};

class DocumentConverter {
  private readonly entries: EntryRef[] = [];
  private aliasDepth = 0;

  private depth = 0;

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineIndex,
    private readonly budget: AliasBudget,
    private readonly resolveAlias: AliasResolver,
  ) {}

  private where(path: string[]): string {
    return path.length === 0 ? "the document root" : `key path "${path.join(":")}"`;
  }

  private scalar(node: YamlScalar, path: string[]): Scalar {
    const text = typeof node.source === "string" ? node.source : String(node.value ?? "");
    const tag = node.tag;
    if (tag === BINARY_TAG) {
      const bytes = Buffer.from(text.replace(/\s+/g, ""), "base64");
      const asText = bytes.toString("utf8");
      return Buffer.from(asText, "utf8").equals(bytes) ? { kind: "str", value: asText } : { kind: "rawstr", value: bytes };
    }
    if (tag && TYPED_TAGS[tag]) {
      const r = resolvePlainScalar(text, () => this.where(path));
      const want = TYPED_TAGS[tag];
      if (want === "float" && r.kind === "int") return { kind: "float", value: Number(r.value) };
      if (r.kind !== want) throw new InvalidInputError(`cannot decode ${JSON.stringify(text)} as ${tag.slice(18)} at ${this.where(path)}`);
      return r;
    }
    if (tag || node.type !== "PLAIN") return { kind: "str", value: text };
    return resolvePlainScalar(text, () => this.where(path));
  }

  private key(node: unknown, path: string[]): string {
    if (isScalar(node)) {
      const text = typeof node.source === "string" ? node.source : String(node.value ?? "");
      if (node.tag === STR_TAG || (node.type !== "PLAIN" && !node.tag)) return text;
      const r = node.tag === BINARY_TAG ? this.scalar(node, path) : resolvePlain(text);
      if (r.kind === "str") return r.value;
      throw new InvalidInputError(
        `Tree contains a non-string key (${r.kind}): ${JSON.stringify(text)} at ${this.where(path)}. Only string keys are supported; quote the key`,
      );
    }
    if (isAlias(node)) return this.key(this.resolveAlias(node), path);
    throw new InvalidInputError(`Tree contains a non-string key at ${this.where(path)}: keys must be plain strings`);
  }

  private newCollection(out: Branch | Sequence, node: YamlNode | undefined, parent: Collection | undefined): Collection {
    const offset = node?.range?.[0] ?? 0;
    return { out, column: this.lines.column(offset), parent, depth: parent ? parent.depth + 1 : 0, itemOffsets: [], pending: new Map() };
  }

  value(node: unknown, path: string[], parent: Collection | undefined, track: boolean): Value {
    this.budget.node(this.aliasDepth > 0);
    if (node === null || node === undefined) return { kind: "null" };
    if (isAlias(node)) {
      if (++this.aliasDepth > 1000) throw new InvalidInputError("YAML aliases nest too deeply (recursive alias?)");
      const target = this.resolveAlias(node);
      const v = this.value(target, path, parent, false);
      this.aliasDepth--;
      return v;
    }
    if (isScalar(node)) return this.scalar(node, path);
    // structure and alias expansion together: a chain of aliases nests without indentation
    if ((isMap(node) || isSeq(node)) && this.depth + 1 > MAX_NESTING_DEPTH) throw nestingError("yaml");
    this.depth++;
    const v = this.collection(node, path, parent, track);
    this.depth--;
    return v;
  }

  private collection(node: unknown, path: string[], parent: Collection | undefined, track: boolean): Value {
    if (isMap(node)) {
      const out: Branch = { kind: "branch", items: [] };
      const c = this.newCollection(out, node, parent);
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = this.key(pair.key, path);
        const keyNode = pair.key as YamlNode | null;
        const offset = keyNode?.range?.[0] ?? (pair.value as YamlNode | null)?.range?.[0] ?? 0;
        const index = out.items.length;
        const entry = track ? this.track(c, offset, index) : undefined;
        out.items.push({ key, value: this.value(pair.value, [...path, key], c, track) });
        if (entry) entry.holds = this.lastCollection(pair.value);
      }
      if (track) {
        this.collections.push(c);
        this.byNode.set(node, c);
      }
      return out;
    }
    if (isSeq(node)) {
      const out: Sequence = { kind: "sequence", items: [] };
      const c = this.newCollection(out, node, parent);
      for (const item of node.items) {
        const offset = (item as YamlNode | null)?.range?.[0] ?? 0;
        const entry = track ? this.track(c, offset, out.items.length) : undefined;
        out.items.push(this.value(item, path, c, track));
        if (entry) entry.holds = this.lastCollection(item);
      }
      if (track) {
        this.collections.push(c);
        this.byNode.set(node, c);
      }
      return out;
    }
    throw new InvalidInputError(`unsupported YAML node at ${this.where(path)}`);
  }

  readonly collections: Collection[] = [];
  private readonly byNode = new Map<unknown, Collection>();

  private track(c: Collection, offset: number, index: number): EntryRef {
    const entry: EntryRef = { offset, collection: c, index };
    c.itemOffsets.push(offset);
    c.firstEntry ??= entry;
    this.entries.push(entry);
    return entry;
  }

  private lastCollection(node: unknown): Collection | undefined {
    return this.byNode.get(node);
  }

  convert(comments: SourceComment[]): Branch {
    const contents = this.doc.contents;
    let root: Collection;
    if (contents === null || (isScalar(contents) && contents.value === null && contents.type === "PLAIN" && !contents.tag)) {
      root = this.newCollection({ kind: "branch", items: [] }, undefined, undefined);
      root.column = 0;
      this.collections.push(root);
    } else if (isMap(contents)) {
      this.value(contents, [], undefined, true);
      root = this.collections[this.collections.length - 1];
    } else if (isSeq(contents)) {
      throw new InvalidInputError("YAML documents that are sequences are not supported; the top level must be a mapping");
    } else {
      throw new InvalidInputError("YAML documents that are values are not supported; the top level must be a mapping");
    }
    for (const c of comments) this.place(c, root);
    for (const c of this.collections) this.merge(c);
    return root.out as Branch;
  }

  private place(comment: SourceComment, root: Collection): void {
    const entries = this.entries;
    let lo = 0, hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (entries[mid].offset <= comment.offset) lo = mid + 1;
      else hi = mid;
    }
    const prev = entries[lo - 1];
    let nextIndex = lo;
    // Entries starting on the next entry's line are nested in it (`- - a`, `- key: v`): take the innermost.
    if (lo < entries.length) {
      const nextLine = this.lines.line(entries[lo].offset);
      while (nextIndex + 1 < entries.length && this.lines.line(entries[nextIndex + 1].offset) === nextLine) nextIndex++;
    }
    const next = entries[nextIndex];
    const item: Comment = { kind: "comment", value: comment.text };
    const line = this.lines.line(comment.offset);
    if (prev && this.lines.hasContentBefore(comment.offset) && this.lines.line(prev.offset) === line) {
      // A line comment: sops moves it above the outermost entry starting on that line, at that entry's level.
      let first = lo - 1;
      while (first > 0 && this.lines.line(entries[first - 1].offset) === line) first--;
      this.addPending(entries[first].collection, entries[first].index, item);
      return;
    }
    const column = this.lines.column(comment.offset);
    let best: Collection | undefined;
    // On equal depth the following entry wins: a comment right above an entry is its head comment.
    const consider = (c: Collection): void => {
      if (c.column <= column && (!best || c.depth > best.depth)) best = c;
    };
    // A comment above an entry whose value is a block collection may belong inside that collection (`-\n  # c\n  - x`).
    for (let held = next?.holds; held; held = held.firstEntry?.holds) consider(held);
    for (const start of [next?.collection, prev?.collection]) {
      for (let c: Collection | undefined = start; c; c = c.parent) consider(c);
    }
    const target = best ?? root;
    const idx = target.itemOffsets.findIndex((o) => o > comment.offset);
    this.addPending(target, idx < 0 ? target.itemOffsets.length : idx, item);
  }

  private addPending(c: Collection, index: number, item: Comment): void {
    const list = c.pending.get(index);
    if (list) list.push(item);
    else c.pending.set(index, [item]);
  }

  private merge(c: Collection): void {
    if (c.pending.size === 0) return;
    const items: Array<Branch["items"][number] | Sequence["items"][number]> = [];
    const original = c.out.items;
    for (let i = 0; i <= original.length; i++) {
      const before = c.pending.get(i);
      if (before) items.push(...before);
      if (i < original.length) items.push(original[i]);
    }
    c.out.items = items as typeof c.out.items;
  }
}

/**
 * Parses a YAML stream into one branch per document. Duplicate keys in the first document are refused as sops refuses
 * them: everywhere in plaintext input (exit 2), only at the top level and in `sops` in encrypted input (exit 1).
 */
export function parseYamlDocuments(text: string, duplicateKeys: DuplicateKeyScope = "plain"): Branch[] {
  // the fast paths bound their own nesting (16 and MAX_NESTING_DEPTH levels, no aliases; the encrypted one hands its
  // tail to the full parser); everything else is pre-scanned by the full parser
  checkDocumentSize(text.length, "YAML");
  const encrypted = duplicateKeys === "encrypted" ? parseEncryptedYamlFast(text, (tail) => parseYamlDocumentsFully(tail, duplicateKeys)) : undefined;
  return encrypted ?? parseSimpleYaml(text) ?? parseYamlDocumentsFully(text, duplicateKeys);
}

/** `parseYamlDocuments` without the fast path for simple documents. */
export function parseYamlDocumentsFully(text: string, duplicateKeys: DuplicateKeyScope = "plain"): Branch[] {
  checkYamlNesting(text);
  const budget = new AliasBudget("yaml");
  const lines = new LineIndex(text);
  const tokens: CST.Token[] = Array.from(new Parser().parse(text));
  const commentsPerDoc: SourceComment[][] = [];
  let loose: SourceComment[] = [];
  for (const token of tokens) {
    if (token.type === "document") {
      commentsPerDoc.push(loose);
      loose = [];
      collectComments(token, commentsPerDoc[commentsPerDoc.length - 1]);
    } else if (token.type === "doc-end" && commentsPerDoc.length > 0) {
      collectComments(token, commentsPerDoc[commentsPerDoc.length - 1]);
    } else {
      collectComments(token, loose);
    }
  }
  if (loose.length > 0 && commentsPerDoc.length > 0) commentsPerDoc[commentsPerDoc.length - 1].push(...loose);
  const composer = new Composer({ version: "1.2", merge: false, uniqueKeys: false, intAsBigInt: false, keepSourceTokens: false });
  const docs = Array.from(composer.compose(tokens, false, text.length)) as Document.Parsed[];
  return docs.map((doc, i) => {
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const where = ` at line ${lines.line(e.pos[0]) + 1}, column ${lines.column(e.pos[0]) + 1}`;
      throw new InvalidInputError(`Error unmarshalling input YAML${where}: ${e.message.split("\n")[0]}`);
    }
    const resolve = aliasResolver(doc);
    if (i === 0) {
      const duplicates = duplicateKeyErrors(doc, (offset) => lines.line(offset), duplicateKeys, budget, resolve);
      if (duplicates.length > 0) {
        const detail = `yaml: unmarshal errors:\n  ${duplicates.join("\n  ")}`;
        if (duplicateKeys === "plain") throw new InvalidInputError(`Error unmarshalling file: ${detail}`);
        throw new UnreadableEncryptedFileError(`Error unmarshalling input yaml: ${detail}`);
      }
    }
    const comments = (commentsPerDoc[i] ?? []).sort((a, b) => a.offset - b.offset);
    return new DocumentConverter(doc, lines, budget, resolve).convert(comments);
  });
}
