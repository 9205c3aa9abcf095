/**
 * `.sops.yaml` as a shared file. The project owns one marked block of creation rules per cluster
 * (`# BEGIN talos-homelab cluster <name>` … `# END talos-homelab cluster <name>`); every other byte (the owner's rules,
 * comments, other keys, other clusters' blocks) is kept as it is. The block is spliced into the text, never re-emitted
 * through a YAML serializer, so nothing outside it changes.
 *
 * Order: sops uses the first rule whose path_regex matches. The block keeps its place on later renders, unless a rule
 * above it matches one of the cluster's own files (a broad rule such as `.*\.yaml$`, or a rule without path_regex):
 * then the block is moved just above that rule, and a note says so. That rule stays as it was and keeps applying to
 * every other path; for the project's files, recipients come from `ageRecipients`, not from a rule of one's own.
 */
import { parseDocument, isMap, isScalar, isSeq, type Document, type YAMLSeq } from "yaml";
import { clustersPathRegex, SOPS_BLOCK_INDENT, sopsBlockMarkers, talosPathRegex } from "../kubernetes";
import { goRegexp } from "../sops/index";

export interface MergedSopsConfig {
  readonly text: string;
  /** What was done beyond replacing the block in place (moved, adopted a legacy file), for the log. */
  readonly notes: string[];
}

/** `.sops.yaml` cannot take the block without rewriting what is not ours; nothing is written. */
export class SopsConfigFileError extends Error {
  constructor(problem: string) {
    super(`.sops.yaml ${problem}; nothing was written`);
    this.name = "SopsConfigFileError";
  }
}

const LEGACY_HEADER = "# Written by talos-homelab; regenerated on every render.\n";
const BEGIN = /^[ \t]*# BEGIN talos-homelab cluster (\S+)[ \t]*\r?\n?$/;
const END = /^[ \t]*# END talos-homelab cluster (\S+)[ \t]*\r?\n?$/;
const COMMENT_LINE = /^[ \t]*#/;

/** The lines of `text`, each with its line break. */
function linesOf(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

interface Block {
  readonly cluster: string;
  /** Line indexes of the BEGIN and END markers. */
  readonly begin: number;
  readonly end: number;
}

/** Every marked block in the file; unpaired or nested markers are refused (a damaged block is not guessed at). */
function blocksOf(lines: readonly string[]): Block[] {
  const blocks: Block[] = [];
  let open: { cluster: string; line: number } | undefined;
  lines.forEach((line, index) => {
    const begin = BEGIN.exec(line);
    const end = END.exec(line);
    if (begin !== null) {
      if (open !== undefined) throw new SopsConfigFileError(`has "# BEGIN talos-homelab cluster ${begin[1]}" on line ${index + 1} inside the block of cluster ${open.cluster} (line ${open.line + 1}): restore the markers from Git`);
      open = { cluster: begin[1] as string, line: index };
    } else if (end !== null) {
      if (open === undefined || open.cluster !== end[1]) throw new SopsConfigFileError(`has "# END talos-homelab cluster ${end[1]}" on line ${index + 1} without its BEGIN line: restore the markers from Git`);
      blocks.push({ cluster: open.cluster, begin: open.line, end: index });
      open = undefined;
    }
  });
  if (open !== undefined) throw new SopsConfigFileError(`has "# BEGIN talos-homelab cluster ${open.cluster}" on line ${open.line + 1} without its END line: restore the markers from Git, or delete the partial block`);
  return blocks;
}

function clusterOfBlock(block: string): string {
  const cluster = BEGIN.exec(linesOf(block)[0] ?? "")?.[1];
  if (cluster === undefined) throw new Error("internal: a .sops.yaml rules block must start with its BEGIN marker");
  return cluster;
}

function reindent(block: string, indent: number): string {
  const delta = indent - SOPS_BLOCK_INDENT;
  if (delta === 0) return block;
  return linesOf(block)
    .map((line) => (delta > 0 ? " ".repeat(delta) + line : line.slice(-delta)))
    .join("");
}

function parse(text: string): Document {
  const doc = parseDocument(text, { keepSourceTokens: false, uniqueKeys: false });
  if (doc.errors.length > 0) throw new SopsConfigFileError(`is not valid YAML (${doc.errors[0]?.message.split("\n")[0]}): fix it first`);
  return doc;
}

/** A rule of the owner's: where its text starts (its leading comment lines included) and whether it catches `probes`. */
interface UserRule {
  readonly start: number;
  readonly line: number;
  readonly pathRegex: string | undefined;
  readonly catches: string | undefined;
}

function ruleCatches(item: unknown, probes: readonly string[]): { pathRegex: string | undefined; catches: string | undefined } {
  const regex = isMap(item) ? item.get("path_regex") : undefined;
  if (regex === undefined || regex === null || regex === "") return { pathRegex: undefined, catches: probes[0] };
  let re: RegExp;
  try {
    re = goRegexp(String(regex));
  } catch (e) {
    throw new SopsConfigFileError(`has a rule whose path_regex ${JSON.stringify(String(regex))} does not compile (${(e as Error).message}); sops would refuse it too: fix it first`);
  }
  return { pathRegex: String(regex), catches: probes.find((p) => ((re.lastIndex = 0), re.test(p))) };
}

/** Offset of the start of the line holding the `- ` of an item whose node starts at `nodeStart`, and its column. */
function itemIndicator(text: string, nodeStart: number): { lineStart: number; column: number } {
  let pos = nodeStart - 1;
  while (pos >= 0 && /\s/.test(text[pos] as string)) pos--;
  if (text[pos] !== "-") throw new SopsConfigFileError("has a creation rule this tool cannot place a block next to: write creation_rules as a block list (`- path_regex: …` per rule)");
  const lineStart = text.lastIndexOf("\n", pos) + 1;
  return { lineStart, column: pos - lineStart };
}

/** Moves a line start back over the comment lines right above it (a rule's own comments stay with it; a block's END does not). */
function withLeadingComments(text: string, lineStart: number): number {
  let start = lineStart;
  while (start > 0) {
    const previous = text.lastIndexOf("\n", start - 2) + 1;
    const line = text.slice(previous, start - 1);
    if (!COMMENT_LINE.test(line) || END.test(line)) break;
    start = previous;
  }
  return start;
}

interface Sequence {
  readonly rules: UserRule[];
  readonly indent: number;
  /** Offset just after the last rule's text. */
  readonly end: number;
}

function sequenceOf(text: string, seq: YAMLSeq, probes: readonly string[]): Sequence {
  let indent = SOPS_BLOCK_INDENT;
  const rules = seq.items.map((item, index) => {
    const range = (item as { range?: [number, number, number] }).range;
    if (range === undefined) throw new SopsConfigFileError(`has creation rule ${index} without a position`);
    const { lineStart, column } = itemIndicator(text, range[0]);
    if (index === 0) indent = column;
    const { pathRegex, catches } = ruleCatches(item, probes);
    return { start: withLeadingComments(text, lineStart), line: text.slice(0, lineStart).split("\n").length, pathRegex, catches };
  });
  const last = seq.items[seq.items.length - 1] as { range?: [number, number, number] } | undefined;
  const end = last?.range !== undefined ? lineEnd(text, last.range[1] - 1) : 0;
  return { rules, indent, end };
}

function lineEnd(text: string, offset: number): number {
  const newline = text.indexOf("\n", Math.max(offset, 0));
  return newline === -1 ? text.length : newline + 1;
}

/** An offset inside another cluster's block is moved out of it: before it (`before`) or after it. */
function outsideBlocks(text: string, offset: number, before: boolean): number {
  const lines = linesOf(text);
  let position = 0;
  const starts = lines.map((line) => ((position += line.length), position - line.length));
  for (const block of blocksOf(lines)) {
    const from = starts[block.begin] as number;
    const to = (starts[block.end] as number) + (lines[block.end] as string).length;
    if (offset > from && offset < to) return before ? from : to;
  }
  return offset;
}

function insertAt(text: string, offset: number, block: string): string {
  const head = text.slice(0, offset);
  return `${head}${head === "" || head.endsWith("\n") ? "" : "\n"}${block}${text.slice(offset)}`;
}

/** The file without the cluster's block, and where the block was (`undefined`: it was not there). */
function withoutBlock(text: string, cluster: string): { text: string; at: number | undefined } {
  const lines = linesOf(text);
  const block = blocksOf(lines).filter((b) => b.cluster === cluster);
  if (block.length > 1) throw new SopsConfigFileError(`has ${block.length} blocks of cluster ${cluster}: keep one (restore the file from Git)`);
  const found = block[0];
  if (found === undefined) return { text, at: undefined };
  const at = lines.slice(0, found.begin).join("").length;
  return { text: lines.slice(0, found.begin).join("") + lines.slice(found.end + 1).join(""), at };
}

/** A file from before the blocks (the whole file was regenerated): its rules become a marked block of their cluster. */
function adoptLegacy(text: string, notes: string[]): string {
  if (!text.startsWith(LEGACY_HEADER)) return text;
  const rules = (parse(text).toJS() as { creation_rules?: Array<{ path_regex?: unknown }> } | null)?.creation_rules ?? [];
  const cluster = /^\^clusters\/(.+)\/\.\*\\\.sops\\\.ya\?ml\$$/.exec(String(rules[0]?.path_regex ?? ""))?.[1]?.replace(/\\(.)/g, "$1");
  if (cluster === undefined || rules.length !== 2 || rules[1]?.path_regex !== talosPathRegex(cluster) || rules[0]?.path_regex !== clustersPathRegex(cluster)) return text;
  const body = text.slice(LEGACY_HEADER.length).replace(/^creation_rules:\n/, "");
  const { begin, end } = sopsBlockMarkers(cluster);
  const pad = " ".repeat(SOPS_BLOCK_INDENT);
  notes.push(`.sops.yaml: the rules an earlier version wrote for cluster ${cluster} are now its marked block; rules added outside it are kept from now on`);
  return `creation_rules:\n${pad}${begin}\n${body}${pad}${end}\n`;
}

/** Where the block goes in a file that has a block-style `creation_rules` list (the block itself removed). */
function placeInSequence(text: string, seq: Sequence, previous: number | undefined, cluster: string, notes: string[]): number {
  const shadowing = seq.rules.find((rule) => rule.catches !== undefined);
  if (shadowing !== undefined && (previous === undefined || previous > shadowing.start)) {
    const what = shadowing.pathRegex === undefined ? "has no path_regex (it matches every file)" : `(path_regex ${JSON.stringify(shadowing.pathRegex)}) matches ${shadowing.catches}`;
    notes.push(
      `.sops.yaml: the rules of cluster ${cluster} are placed above the rule on line ${shadowing.line}, which ${what}: sops uses the first matching rule, ` +
        "so that rule would have given the cluster's files other recipients. It still applies to every other path; add recipients for the cluster's files with ageRecipients",
    );
    return outsideBlocks(text, shadowing.start, true);
  }
  if (previous !== undefined) return previous;
  return outsideBlocks(text, seq.end, false);
}

/**
 * The file with `block` (kubernetes/sops-config.ts's renderSopsRulesBlock) in place of the same cluster's old block.
 * `probes` are the paths of the cluster's encrypted files: no rule above the block may match one of them.
 */
export function mergeSopsRulesBlock(existing: string | null, block: string, probes: readonly string[]): MergedSopsConfig {
  const cluster = clusterOfBlock(block);
  const notes: string[] = [];
  const removed = withoutBlock(adoptLegacy(existing ?? "", notes), cluster);
  const text = removed.text;
  const doc = parse(text);
  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === ""))) {
    return { text: insertAt(text, text.length, `creation_rules:\n${block}`), notes };
  }
  if (!isMap(contents)) throw new SopsConfigFileError("is not a YAML mapping: sops would not read it either");
  const pair = contents.items.find((p) => isScalar(p.key) && p.key.value === "creation_rules");
  if (pair === undefined) return { text: insertAt(text, text.length, `creation_rules:\n${block}`), notes };
  const value = pair.value;
  if (value === null || (isScalar(value) && (value.value === null || value.value === ""))) {
    const keyRange = (pair.key as { range?: [number, number, number] }).range as [number, number, number];
    return { text: insertAt(text, lineEnd(text, keyRange[1]), block), notes };
  }
  if (!isSeq(value) || value.flow === true) {
    throw new SopsConfigFileError("has creation_rules in flow style ([…]) or not as a list: write it as a block list (one `- path_regex: …` per rule) so the project's block can be added");
  }
  const seq = sequenceOf(text, value, probes);
  const at = placeInSequence(text, seq, removed.at, cluster, notes);
  return { text: insertAt(text, at, reindent(block, seq.indent)), notes };
}

/** The probe paths of a cluster: its encrypted files, and one path per rule so that even an empty tree is covered. */
export function sopsProbePaths(cluster: string, encryptedPaths: readonly string[]): string[] {
  return [...new Set([`clusters/${cluster}/x.sops.yaml`, `talos/${cluster}/x.sops.yaml`, `talos/${cluster}/etcd-snapshots/x.snapshot.sops`, ...encryptedPaths])];
}
