/**
 * The recipient change of a rotation, applied to `.sops.yaml` and to files no rule covers: the old cluster recipient
 * becomes the new one in place, removed operators go, added operators join every recipient list that held one of the
 * old operators. Everything else in `.sops.yaml` (other rules, comments, order) is kept.
 */
import { isMap, isScalar, isSeq, parseDocument, Scalar, type Document, type Node } from "yaml";

export interface RecipientChange {
  /** Old cluster recipient -> new one. */
  readonly cluster?: { readonly from: string; readonly to: string };
  /** The operator set before and after. */
  readonly operators?: { readonly from: readonly string[]; readonly to: readonly string[] };
}

export function isNoChange(change: RecipientChange): boolean {
  const ops = change.operators;
  const sameOps = ops === undefined || (ops.from.length === ops.to.length && ops.from.every((r) => ops.to.includes(r)));
  return (change.cluster === undefined || change.cluster.from === change.cluster.to) && sameOps;
}

/** The recipient list after the change (order kept; new operators where the first old operator was). */
export function changeRecipients(list: readonly string[], change: RecipientChange): string[] {
  const ops = change.operators;
  const firstOperator = ops === undefined ? -1 : list.findIndex((r) => ops.from.includes(r));
  const out: string[] = [];
  list.forEach((r, i) => {
    if (i === firstOperator) out.push(...(ops?.to ?? []));
    if (ops?.from.includes(r)) return;
    out.push(change.cluster !== undefined && r === change.cluster.from ? change.cluster.to : r);
  });
  return [...new Set(out)];
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((r) => r.trim())
    .filter((r) => r !== "");
}

interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

const columnOf = (source: string, offset: number): number => offset - (source.lastIndexOf("\n", offset - 1) + 1);

/** The end of a node's own text: a block sequence's range runs on over the line break after its last item. */
function trimmedEnd(source: string, start: number, end: number): number {
  let e = end;
  while (e > start && /\s/.test(source[e - 1])) e--;
  return e;
}

/** The replacement for a scalar `age` field, in its own quoting (block scalars become double-quoted). */
function scalarText(field: Scalar, recipients: readonly string[]): string {
  const joined = recipients.join(",");
  if (field.type === Scalar.QUOTE_SINGLE) return `'${joined}'`;
  if (field.type === Scalar.PLAIN) return joined;
  return JSON.stringify(joined);
}

/** The edit of one `age` field (a comma-separated string or a list), `undefined` when it does not change. */
function ageFieldEdit(source: string, map: Node, change: RecipientChange): TextEdit | undefined {
  if (!isMap(map)) return undefined;
  const field = map.get("age", true);
  if (isScalar(field) && typeof field.value === "string" && field.range) {
    const before = splitList(field.value);
    const after = changeRecipients(before, change);
    if (after.join(",") === before.join(",")) return undefined;
    return { start: field.range[0], end: trimmedEnd(source, field.range[0], field.range[1]), text: scalarText(field, after) };
  }
  if (isSeq(field) && field.range) {
    const before = field.items.map((item) => (isScalar(item) ? String(item.value) : "")).filter((r) => r !== "");
    const after = changeRecipients(before, change);
    if (after.join(",") === before.join(",")) return undefined;
    const text = field.flow ? `[${after.join(", ")}]` : after.map((r) => `- ${r}`).join(`\n${" ".repeat(columnOf(source, field.range[0]))}`);
    return { start: field.range[0], end: trimmedEnd(source, field.range[0], field.range[1]), text };
  }
  return undefined;
}

/** The edits of every rule's and key group's `age` field in `creation_rules`, and how many rules they touch. */
function ruleEdits(source: string, doc: Document, change: RecipientChange): { edits: TextEdit[]; rulesChanged: number } {
  const rules = doc.get("creation_rules", true);
  const edits: TextEdit[] = [];
  let rulesChanged = 0;
  if (!isSeq(rules)) return { edits, rulesChanged };
  for (const rule of rules.items) {
    if (!isMap(rule)) continue;
    const own = [ageFieldEdit(source, rule as Node, change)];
    const groups = rule.get("key_groups", true);
    if (isSeq(groups)) for (const group of groups.items) own.push(ageFieldEdit(source, group as Node, change));
    const found = own.filter((e): e is TextEdit => e !== undefined);
    if (found.length > 0) rulesChanged++;
    edits.push(...found);
  }
  return { edits, rulesChanged };
}

/**
 * `.sops.yaml` text with the change applied, and how many rules it touched. Only the source text of the changed
 * `age` values is replaced: every other byte (other rules, comments, marked blocks, layout) stays as it was.
 */
export function editSopsConfigRecipients(text: string, change: RecipientChange): { text: string; rulesChanged: number } {
  if (isNoChange(change)) return { text, rulesChanged: 0 };
  const doc = parseDocument(text);
  const { edits, rulesChanged } = ruleEdits(text, doc, change);
  let out = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return { text: out, rulesChanged };
}
