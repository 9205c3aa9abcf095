/**
 * Kubernetes Secrets with plaintext `data`/`stringData` values, in any form a manifest takes: block or flow YAML, JSON,
 * several documents, `kind: List` (or any object nesting one), and half-encrypted Secrets (some values ENC[...], others
 * not). Read with the `yaml` library under the project's parse bounds; aliases are not followed.
 */
import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from "yaml";
import { checkYamlNesting } from "../sops/index";
import { ENC_VALUE } from "./encrypted-leaves";
import type { SecretMatch } from "./secret-patterns";

const RULE = "talos-homelab/kubernetes-secret";
const WHAT = "a Kubernetes Secret with plaintext data/stringData";

function plaintextValue(node: unknown): boolean {
  if (!isScalar(node) || node.value === null || node.value === undefined) return false;
  const value = String(node.value);
  return value !== "" && !ENC_VALUE.test(value);
}

function visit(node: Node | null, lines: LineCounter, out: SecretMatch[]): void {
  if (isSeq(node)) {
    for (const item of node.items) visit(item as Node, lines, out);
    return;
  }
  if (!isMap(node)) return;
  const kind = node.get("kind");
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    if (kind === "Secret" && (key === "data" || key === "stringData") && isMap(pair.value)) {
      for (const entry of pair.value.items) {
        if (!plaintextValue(entry.value)) continue;
        const name = isScalar(entry.key) ? String(entry.key.value) : "?";
        const at = (entry.value as Node).range?.[0] ?? 0;
        out.push({ line: lines.linePos(at).line, what: `${WHAT} (${key}.${name})`, rule: RULE, hint: `${key}.${name}` });
      }
    } else {
      visit(pair.value as Node, lines, out);
    }
  }
}

/** The text's YAML documents (split at `---`/`...` markers in column 0, as YAML ends documents), each with its first line. */
function documentChunks(text: string): { text: string; firstLine: number }[] {
  const chunks: { text: string; firstLine: number }[] = [];
  const marker = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
  let start = 0;
  let line = 1;
  const push = (end: number): void => {
    const chunk = text.slice(start, end);
    chunks.push({ text: chunk, firstLine: line });
    line += newlines(chunk);
    start = end;
  };
  for (const m of text.matchAll(marker)) if (m.index > start) push(m.index);
  push(text.length);
  return chunks;
}

function newlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * The plaintext values of every Kubernetes Secret in `text`, at their lines; text that is not YAML/JSON has none.
 * Only the documents that mention `Secret` are parsed (parsing 200,000 empty documents took the library 7 s).
 */
export function plaintextKubernetesSecrets(text: string): SecretMatch[] {
  if (!/Secret/.test(text)) return [];
  try {
    checkYamlNesting(text);
  } catch {
    return []; // deeper than any manifest: the scanner's patterns still run on the text
  }
  const out: SecretMatch[] = [];
  for (const chunk of documentChunks(text)) {
    if (!/Secret/.test(chunk.text)) continue;
    const lines = new LineCounter();
    const found: SecretMatch[] = [];
    for (const doc of parseAllDocuments(chunk.text, { lineCounter: lines, uniqueKeys: false, merge: false }) as Document[]) visit(doc.contents as Node | null, lines, found);
    for (const m of found) out.push({ ...m, line: m.line + chunk.firstLine - 1 });
  }
  return out;
}
