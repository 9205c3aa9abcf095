/**
 * The recipient change of a rotation, applied to `.sops.yaml` and to files no rule covers: the old cluster recipient
 * becomes the new one in place, removed operators go, added operators join every recipient list that held one of the
 * old operators. Everything else in `.sops.yaml` (other rules, comments, order) is kept.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node } from "yaml";

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

/** Rewrites one `age` field (a comma-separated string or a list); true when it changed. */
function editAgeField(map: Node, change: RecipientChange): boolean {
  if (!isMap(map)) return false;
  const field = map.get("age", true);
  if (isScalar(field) && typeof field.value === "string") {
    const before = splitList(field.value);
    const after = changeRecipients(before, change);
    if (after.join(",") === before.join(",")) return false;
    field.value = after.join(",");
    return true;
  }
  if (isSeq(field)) {
    const before = field.items.map((item) => (isScalar(item) ? String(item.value) : "")).filter((r) => r !== "");
    const after = changeRecipients(before, change);
    if (after.join(",") === before.join(",")) return false;
    map.set("age", after);
    return true;
  }
  return false;
}

/** Every key group's and rule's `age` field in `creation_rules`, edited; returns the number of rules changed. */
function editRules(doc: Document, change: RecipientChange): number {
  const rules = doc.get("creation_rules", true);
  if (!isSeq(rules)) return 0;
  let changed = 0;
  for (const rule of rules.items) {
    if (!isMap(rule)) continue;
    let touched = editAgeField(rule as Node, change);
    const groups = rule.get("key_groups", true);
    if (isSeq(groups)) for (const group of groups.items) touched = editAgeField(group as Node, change) || touched;
    if (touched) changed++;
  }
  return changed;
}

/** `.sops.yaml` text with the change applied, and how many rules it touched (0: the text is returned as is). */
export function editSopsConfigRecipients(text: string, change: RecipientChange): { text: string; rulesChanged: number } {
  if (isNoChange(change)) return { text, rulesChanged: 0 };
  const doc = parseDocument(text);
  const rulesChanged = editRules(doc, change);
  return rulesChanged === 0 ? { text, rulesChanged } : { text: doc.toString({ lineWidth: 0 }), rulesChanged };
}
