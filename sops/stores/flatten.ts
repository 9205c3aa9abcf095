/** sops's flattening of nested metadata into flat keys for dotenv (`__map_<key>` and `__list_<index>` separators). */
import { InvalidMetadataError } from "../errors";
import { Branch, Scalar, Value, isComment } from "../tree";

const MAP = "__map_";
const LIST = "__list_";

/** Flattens a branch to `[key, scalar]` pairs; null values and empty collections produce no key. */
export function flattenBranch(b: Branch): Array<[string, Scalar]> {
  const out: Array<[string, Scalar]> = [];
  const visit = (v: Value, key: string): void => {
    if (v.kind === "branch") {
      for (const item of v.items) if (!isComment(item)) visit(item.value, key + MAP + item.key);
    } else if (v.kind === "sequence") {
      let i = 0;
      for (const item of v.items) if (!isComment(item)) visit(item, key + LIST + String(i++));
    } else if (v.kind !== "null") {
      out.push([key, v]);
    }
  };
  for (const item of b.items) if (!isComment(item)) visit(item.value, item.key);
  return out;
}

type Node = { kind: "map"; entries: Map<string, Node> } | { kind: "list"; elements: Map<number, Node> } | { kind: "leaf"; value: Scalar };

/** Rebuilds the nested branch from flattened `[key, scalar]` pairs. */
export function unflattenToBranch(pairs: Array<[string, Scalar]>): Branch {
  const root: Node = { kind: "map", entries: new Map() };
  for (const [flatKey, value] of pairs) {
    const parts = flatKey.split(/(__map_|__list_)/);
    let node: Node = root;
    let segment: string | number = parts[0];
    for (let i = 1; i < parts.length; i += 2) {
      const isList = parts[i] === LIST;
      const next: string | number = isList ? Number(parts[i + 1]) : parts[i + 1];
      if (isList && !Number.isInteger(next)) throw new InvalidMetadataError(`invalid flattened sops metadata key ${JSON.stringify(flatKey)}`);
      node = childOf(node, segment, isList ? "list" : "map", flatKey);
      segment = next;
    }
    setLeaf(node, segment, value);
  }
  return toValue(root) as Branch;
}

function childOf(node: Node, segment: string | number, kind: "map" | "list", flatKey: string): Node {
  const existing = node.kind === "map" ? node.entries.get(String(segment)) : node.kind === "list" ? node.elements.get(Number(segment)) : undefined;
  if (existing) {
    if (existing.kind !== kind) throw new InvalidMetadataError(`conflicting flattened sops metadata key ${JSON.stringify(flatKey)}`);
    return existing;
  }
  const created: Node = kind === "map" ? { kind: "map", entries: new Map() } : { kind: "list", elements: new Map() };
  setNode(node, segment, created);
  return created;
}

function setLeaf(node: Node, segment: string | number, value: Scalar): void {
  setNode(node, segment, { kind: "leaf", value });
}

function setNode(node: Node, segment: string | number, child: Node): void {
  if (node.kind === "map") node.entries.set(String(segment), child);
  else if (node.kind === "list") node.elements.set(Number(segment), child);
}

function toValue(n: Node): Value {
  if (n.kind === "leaf") return n.value;
  if (n.kind === "map") {
    return { kind: "branch", items: [...n.entries].map(([key, child]) => ({ key, value: toValue(child) })) };
  }
  return { kind: "sequence", items: [...n.elements].sort((a, b) => a[0] - b[0]).map(([, child]) => toValue(child)) };
}
