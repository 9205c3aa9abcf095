/** A YAML emitter following Go yaml.v3's block style, indentation and scalar-style choices (as sops writes YAML). */
import { formatFloatG } from "../go-float";
import { Branch, Comment, Scalar, Sequence, Value, isComment } from "../tree";
import { stringResolvesAsString } from "./yaml-typing";

function isPrintable(cp: number): boolean {
  return (
    cp === 0x0a || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff)
  );
}
const isBreak = (cp: number): boolean => cp === 0x0a || cp === 0x0d || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
const isBlankz = (cp: number | undefined): boolean => cp === undefined || cp === 0x20 || cp === 0x09 || isBreak(cp) || cp === 0;

interface ScalarAnalysis {
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

/**
 * Printable ASCII without blanks, quotes or indicators other than `:`/`-` inside (and `,[]` after the first
 * character), not ending in `:` and not starting like a document marker: every style is allowed. Most sops values
 * (ENC[…] strings, base64, names) are like this, so they skip the per-character analysis.
 */
const EVERY_STYLE_ALLOWED = /^(?!---|\.\.\.)(?:[A-Za-z0-9_./+=]|[-:](?=.))[A-Za-z0-9_./+=,[\]:-]*(?<!:)$/;
const ALL_ALLOWED: ScalarAnalysis = { blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true };

/** yaml.v3's `yaml_emitter_analyze_scalar`, reduced to what the block-context style choice needs. */
function analyze(value: string): ScalarAnalysis {
  if (value === "") return { blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  if (EVERY_STYLE_ALLOWED.test(value)) return ALL_ALLOWED;
  const cps = Array.from(value, (c) => c.codePointAt(0) as number);
  let blockIndicators = value.startsWith("---") || value.startsWith("...");
  let leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false;
  let breakSpace = false, spaceBreak = false, special = false, lineBreaks = false;
  let previousSpace = false, previousBreak = false, precededByWhitespace = true;
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i];
    const next = cps[i + 1];
    const followedByWhitespace = next === undefined || next === 0x20 || next === 0x09;
    const ch = String.fromCodePoint(c);
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) blockIndicators = true;
      else if ((ch === "?" || ch === ":" || ch === "-") && followedByWhitespace) blockIndicators = true;
    } else if (ch === ":" && followedByWhitespace) blockIndicators = true;
    else if (ch === "#" && precededByWhitespace) blockIndicators = true;
    if (!isPrintable(c)) special = true;
    if (c === 0x20) {
      if (i === 0) leadingSpace = true;
      if (i === cps.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === cps.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankz(c);
  }
  let blockPlainAllowed = true, singleQuotedAllowed = true, blockAllowed = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlainAllowed = false;
  if (trailingSpace) blockAllowed = false;
  if (breakSpace) blockPlainAllowed = singleQuotedAllowed = false;
  if (spaceBreak || special) blockPlainAllowed = singleQuotedAllowed = blockAllowed = false;
  if (lineBreaks || blockIndicators) blockPlainAllowed = false;
  return { blockPlainAllowed, singleQuotedAllowed, blockAllowed };
}

const ESCAPES: Record<number, string> = {
  0x00: "\\0", 0x07: "\\a", 0x08: "\\b", 0x09: "\\t", 0x0a: "\\n", 0x0b: "\\v", 0x0c: "\\f", 0x0d: "\\r",
  0x1b: "\\e", 0x22: '\\"', 0x5c: "\\\\", 0x85: "\\N", 0xa0: "\\_", 0x2028: "\\L", 0x2029: "\\P",
};

function doubleQuoted(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0) as number;
    if (isPrintable(cp) && cp !== 0x0a && cp !== 0x22 && cp !== 0x5c) {
      out += ch;
      continue;
    }
    const esc = ESCAPES[cp];
    if (esc) out += esc;
    else if (cp <= 0xff) out += "\\x" + cp.toString(16).toUpperCase().padStart(2, "0");
    else if (cp <= 0xffff) out += "\\u" + cp.toString(16).toUpperCase().padStart(4, "0");
    else out += "\\U" + cp.toString(16).toUpperCase().padStart(8, "0");
  }
  return out + '"';
}

type Rendered = { inline: string } | { header: string; lines: string[] };

/** yaml.v3's choice for a string: plain when it re-reads as the same string, literal block for multi-line, else quoted. */
function renderString(value: string, isKey: boolean): Rendered {
  const a = analyze(value);
  if (value.includes("\n")) {
    const startsBlank = value[0] === " " || value[0] === "\n";
    if (isKey || !a.blockAllowed || startsBlank) return { inline: doubleQuoted(value) };
    let chomp = "";
    let body = value;
    if (!value.endsWith("\n")) chomp = "-";
    else if (value === "\n" || value.endsWith("\n\n")) {
      chomp = "+";
      body = value.slice(0, -1);
    } else body = value.slice(0, -1);
    return { header: "|" + chomp, lines: body.split("\n") };
  }
  if (stringResolvesAsString(value)) {
    if (a.blockPlainAllowed) return { inline: value };
    if (a.singleQuotedAllowed) return { inline: "'" + value.replaceAll("'", "''") + "'" };
  }
  return { inline: doubleQuoted(value) };
}

function renderScalar(v: Scalar): Rendered {
  switch (v.kind) {
    case "str":
      return renderString(v.value, false);
    case "rawstr":
    case "bytes": {
      const text = v.value.toString("utf8");
      if (Buffer.from(text, "utf8").equals(v.value)) return renderString(text, false);
      return { inline: "!!binary " + v.value.toString("base64") };
    }
    case "int":
      return { inline: v.value.toString(10) };
    case "float": {
      // yaml.v3 writes -0 as "-0", which reads back as the int 0 and breaks the MAC; "-0.0" reads back as -0.
      if (Object.is(v.value, -0)) return { inline: "-0.0" };
      const g = formatFloatG(v.value);
      return { inline: g === "+Inf" ? ".inf" : g === "-Inf" ? "-.inf" : g === "NaN" ? ".nan" : g };
    }
    case "bool":
      return { inline: v.value ? "true" : "false" };
    case "null":
      return { inline: "null" };
    case "time":
      return { inline: v.value };
  }
}

export function renderKey(key: string): string {
  const r = renderString(key, true);
  return "inline" in r ? r.inline : doubleQuoted(key);
}

class YamlWriter {
  readonly out: string[] = [];

  constructor(private readonly step: number) {}

  /** yaml.v3 aligns nested block collections and block scalars to the next multiple of the indent. */
  private aligned(indent: number): number {
    return this.step * Math.floor((indent + this.step) / this.step);
  }

  private comment(c: Comment, indent: number): void {
    this.out.push(" ".repeat(indent) + "#" + c.value);
  }

  private blockLines(lines: string[], indent: number): void {
    const pad = " ".repeat(indent);
    for (const line of lines) this.out.push(line === "" ? "" : pad + line);
  }

  /** Writes `value` after `lead` (a `key:` or `- ` prefix already on the current line). */
  private valueAfter(lead: string, value: Value, indent: number, inSequence: boolean): void {
    if (value.kind === "branch" || value.kind === "sequence") {
      const entries = value.items.filter((i) => !isComment(i)).length;
      const comments = value.items.filter(isComment);
      if (entries === 0) {
        this.out.push(lead + (inSequence ? "" : " ") + (value.kind === "branch" ? "{}" : "[]"));
        const inner = inSequence ? indent + 2 : this.aligned(indent);
        for (const c of comments) this.comment(c, inner);
        return;
      }
      if (inSequence) {
        const inner = indent + 2;
        if (isComment(value.items[0])) {
          this.out.push(lead.trimEnd());
          this.collection(value, inner, null);
        } else {
          this.collection(value, inner, lead);
        }
        return;
      }
      this.out.push(lead);
      this.collection(value, this.aligned(indent), null);
      return;
    }
    const r = renderScalar(value);
    const sep = inSequence ? "" : " ";
    if ("inline" in r) {
      this.out.push(lead + sep + r.inline);
      return;
    }
    this.out.push(lead + sep + r.header);
    this.blockLines(r.lines, inSequence ? indent + 2 : this.aligned(indent));
  }

  /** Writes a non-empty collection at `indent`; `firstLead` puts its first line after a `- ` already written. */
  collection(value: Branch | Sequence, indent: number, firstLead: string | null): void {
    let lead = firstLead;
    const pad = " ".repeat(indent);
    for (const item of value.items) {
      if (isComment(item)) {
        this.comment(item, indent);
        continue;
      }
      const prefix = lead ?? pad;
      lead = null;
      if (value.kind === "branch") {
        const entry = item as { key: string; value: Value };
        this.valueAfter(prefix + renderKey(entry.key) + ":", entry.value, indent, false);
      } else {
        this.valueAfter(prefix + "- ", item as Value, indent, true);
      }
    }
  }
}

/** One YAML document (without a `---` separator), ending with a newline. */
export function emitYamlDocument(doc: Branch, indent = 4): string {
  const w = new YamlWriter(indent);
  if (!doc.items.some((i) => !isComment(i))) {
    w.out.push("{}");
    for (const c of doc.items) if (isComment(c)) w.out.push("#" + c.value);
  } else {
    w.collection(doc, 0, null);
  }
  return w.out.join("\n") + "\n";
}

export function emitYamlDocuments(docs: Branch[], indent = 4): string {
  return docs.map((d, i) => (i === 0 ? "" : "---\n") + emitYamlDocument(d, indent)).join("");
}
