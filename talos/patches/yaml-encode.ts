import { type YamlValue, isYamlMap } from "./yaml-value";

/**
 * Encodes values the way Talos's YAML encoder (yaml.v3, indent 4, block style) lays them out, so our
 * rendered configs are byte-identical to `talosctl`'s with comments disabled. Keys are written in the
 * order they are held; callers order them first (see schema.ts).
 */
const BEST_INDENT = 4;

/**
 * The go-yaml release Talos encodes with: "yaml.v3" (Talos 1.11's fork, and go.yaml.in/yaml/v4 up to
 * rc.4 in Talos 1.12/1.13) double-quotes every string YAML 1.1 would read as something else; "v4-rc6"
 * (Talos 1.14) single-quotes the YAML 1.1-only ones (`off`, `y`, `1:20`) and double-quotes the rest.
 */
export type YamlDialect = "yaml.v3" | "v4-rc6";

export function encodeYamlDocuments(documents: readonly YamlValue[], dialect: YamlDialect = "yaml.v3"): string {
  return documents.map((doc) => encodeYamlDocument(doc, dialect)).join("---\n");
}

export function encodeYamlDocument(doc: YamlValue, dialect: YamlDialect = "yaml.v3"): string {
  const lines: string[] = [];
  const d = dialect;
  if (isYamlMap(doc) && Object.keys(doc).length > 0) {
    writeMapping(doc, 0, lines, d);
  } else if (Array.isArray(doc) && doc.length > 0) {
    writeSequence(doc, 0, lines, d);
  } else {
    lines.push(inlineValue(doc, d));
  }
  return lines.join("\n") + "\n";
}

function nestedIndent(indent: number): number {
  return BEST_INDENT * Math.floor((indent + BEST_INDENT) / BEST_INDENT);
}

function isBlock(value: YamlValue): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isYamlMap(value)) return Object.keys(value).length > 0;
  return false;
}

function writeMapping(map: Record<string, YamlValue>, indent: number, lines: string[], d: YamlDialect, firstPrefix?: string): void {
  let first = true;
  for (const [key, value] of Object.entries(map)) {
    const pad = first && firstPrefix !== undefined ? firstPrefix : " ".repeat(indent);
    first = false;
    writeEntry(pad + scalarText(key, d) + ":", value, indent, lines, d);
  }
}

function writeEntry(head: string, value: YamlValue, indent: number, lines: string[], d: YamlDialect): void {
  if (isBlock(value)) {
    lines.push(head);
    const inner = nestedIndent(indent);
    if (Array.isArray(value)) writeSequence(value, inner, lines, d);
    else writeMapping(value as Record<string, YamlValue>, inner, lines, d);
    return;
  }
  if (typeof value === "string" && value.includes("\n")) {
    writeLiteral(head, value, nestedIndent(indent), lines);
    return;
  }
  lines.push(`${head} ${inlineValue(value, d)}`);
}

function writeSequence(items: readonly YamlValue[], indent: number, lines: string[], d: YamlDialect): void {
  const dash = " ".repeat(indent) + "- ";
  for (const item of items) {
    if (isYamlMap(item) && Object.keys(item).length > 0) {
      writeMapping(item, indent + 2, lines, d, dash);
    } else if (Array.isArray(item) && item.length > 0) {
      lines.push(dash.trimEnd());
      writeSequence(item, nestedIndent(indent + 2), lines, d);
    } else if (typeof item === "string" && item.includes("\n")) {
      writeLiteral(dash.trimEnd(), item, indent + 2, lines);
    } else {
      lines.push(dash + inlineValue(item, d));
    }
  }
}

function writeLiteral(head: string, text: string, indent: number, lines: string[]): void {
  const trailing = /\n*$/.exec(text)?.[0].length ?? 0;
  const chomp = trailing === 0 ? "-" : trailing === 1 ? "" : "+";
  const body = trailing === 0 ? text : text.slice(0, text.length - (chomp === "+" ? 1 : trailing));
  const keepIndicator = /^[ \n]/.test(text) ? String(BEST_INDENT) : "";
  lines.push(`${head} |${keepIndicator}${chomp}`);
  for (const line of body.split("\n")) lines.push(line === "" ? "" : " ".repeat(indent) + line);
}

function inlineValue(value: YamlValue, d: YamlDialect): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "[]";
  if (typeof value === "object") return "{}";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return formatNumber(value);
  return scalarText(value, d);
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  if (Number.isNaN(n)) return ".nan";
  if (!Number.isFinite(n)) return n > 0 ? ".inf" : "-.inf";
  return String(n);
}

const OLD_BOOLS = new Set(["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"]);
const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
const BOOLS = new Set(["true", "True", "TRUE", "false", "False", "FALSE"]);
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const INT = /^[-+]?(?:0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$/;
const SPECIAL_FLOAT = /^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$/;

/** True when yaml.v3 would read the plain text back as something other than a string. */
function resolvesToNonString(s: string): boolean {
  return (
    NULLS.has(s) ||
    BOOLS.has(s) ||
    OLD_BOOLS.has(s) ||
    BASE60_FLOAT.test(s) ||
    INT.test(s) ||
    FLOAT.test(s) ||
    SPECIAL_FLOAT.test(s) ||
    TIMESTAMP.test(s)
  );
}

const NEEDS_ESCAPE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u0085\u2028\u2029\ufeff]|\t/;

/** Whether libyaml's emitter allows the text as a plain scalar in block context. */
function plainAllowed(s: string): boolean {
  if (s.startsWith("---") || s.startsWith("...")) return false;
  if (/^[ ]|[ ]$/.test(s)) return false;
  if (/^[#,[\]{}&*!|>'"%@`]/.test(s)) return false;
  if (/^[-?:](?:[ ]|$)/.test(s)) return false;
  if (/:(?: |$)/.test(s) || s.includes(" #")) return false;
  return true;
}

/** Strings only YAML 1.1 reads as non-strings (its extra booleans and base-60 numbers). */
function yaml11Only(s: string): boolean {
  return OLD_BOOLS.has(s) || BASE60_FLOAT.test(s);
}

function scalarText(s: string, d: YamlDialect): string {
  if (d === "v4-rc6" && !NEEDS_ESCAPE.test(s) && yaml11Only(s)) return `'${s}'`;
  if (NEEDS_ESCAPE.test(s) || resolvesToNonString(s)) return doubleQuoted(s);
  if (plainAllowed(s)) return s;
  return `'${s.replace(/'/g, "''")}'`;
}

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).toUpperCase().padStart(2, "0");
    else out += ch;
  }
  return out + '"';
}
