/** sops tree paths (`["key"][0]["sub"]`): parsing, reading, setting and removing, with sops's semantics. */
import { InvalidTreePathError, KeyNotFoundError } from "../operation-errors";
import { type Branch, type Sequence, type Value, cloneValue, isComment } from "../tree";

export type TreePath = Array<string | number>;

/** Parses `["a"][0]['b']` as sops does: split on `[`, strings in quotes (no escapes), anything else an integer. */
export function parseTreePath(text: string): TreePath {
  const out: TreePath = [];
  for (const raw of text.split("[")) {
    if (raw === "") continue;
    if (!raw.endsWith("]")) throw new InvalidTreePathError(text, `component ${raw} doesn't end with ]`);
    const c = raw.slice(0, -1);
    if (c.startsWith('"') || c.startsWith("'")) out.push(c.slice(1, -1));
    else if (/^[+-]?\d+$/.test(c)) out.push(Number(c));
    else throw new InvalidTreePathError(text, `${JSON.stringify(c)} is neither a quoted key nor an index`);
  }
  return out;
}

export function formatTreePath(path: TreePath): string {
  return path.map((c) => (typeof c === "number" ? `[${c}]` : `[${JSON.stringify(c)}]`)).join("");
}

const entriesOf = (s: Sequence): Value[] => s.items.filter((i): i is Value => !isComment(i));

/** The value at `path` (sops `Truncate`); throws "component … not found" (exit 1). */
export function getAtPath(root: Branch, path: TreePath): Value {
  let current: Value = root;
  for (const c of path) {
    if (typeof c === "string") {
      if (current.kind !== "branch") throw new KeyNotFoundError(`component ['${c}'] not found`);
      const entry: Branch["items"][number] | undefined = current.items.find((i) => !isComment(i) && i.key === c);
      if (entry === undefined || isComment(entry)) throw new KeyNotFoundError(`component ['${c}'] not found`);
      current = entry.value;
    } else {
      if (current.kind !== "sequence") throw new KeyNotFoundError(`component [${c}] is integer, but tree part is not a slice`);
      const items = entriesOf(current);
      if (c < 0 || c >= items.length) throw new KeyNotFoundError(`component [${c}] accesses out of bounds`);
      current = items[c];
    }
  }
  return current;
}

/** A value holding `leaf` at `path` (sops `valueFromPathAndLeaf`). */
function valueFromPath(path: TreePath, leaf: Value): Value {
  const inner = path.length === 1 ? leaf : valueFromPath(path.slice(1), leaf);
  return typeof path[0] === "number" ? { kind: "sequence", items: [inner] } : { kind: "branch", items: [{ key: path[0], value: inner }] };
}

function sameValue(a: Value, b: Value): boolean {
  return JSON.stringify(a, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)) === JSON.stringify(b, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
}

function setIn(node: Value, path: TreePath, value: Value): { node: Value; changed: boolean } {
  const [head, ...rest] = path;
  if (node.kind === "branch" && typeof head === "string") {
    const idx = node.items.findIndex((i) => !isComment(i) && i.key === head);
    if (idx >= 0) {
      const entry = node.items[idx] as { key: string; value: Value };
      if (rest.length === 0) {
        const changed = !sameValue(entry.value, value);
        entry.value = value;
        return { node, changed };
      }
      const r = setIn(entry.value, rest, value);
      entry.value = r.node;
      return { node, changed: r.changed };
    }
    const created = valueFromPath(path, value) as Branch;
    node.items.push(created.items[0]);
    return { node, changed: true };
  }
  if (node.kind === "sequence" && typeof head === "number") {
    const positions = node.items.map((i, n) => (isComment(i) ? -1 : n)).filter((n) => n >= 0);
    if (head >= positions.length) {
      node.items.push(rest.length === 0 ? value : valueFromPath(rest, value));
      return { node, changed: true };
    }
    const at = positions[head];
    if (rest.length === 0) {
      const changed = !sameValue(node.items[at] as Value, value);
      node.items[at] = value;
      return { node, changed };
    }
    const r = setIn(node.items[at] as Value, rest, value);
    node.items[at] = r.node;
    return { node, changed: r.changed };
  }
  const replacement = valueFromPath(path, value);
  return { node: replacement, changed: !sameValue(node, replacement) };
}

/** Sets `value` at `path` in a copy of `root` (creating missing keys, appending past the end of lists). */
export function setAtPath(root: Branch, path: TreePath, value: Value): { root: Branch; changed: boolean } {
  if (path.length === 0) throw new InvalidTreePathError("", "the path is empty");
  if (typeof path[0] !== "string") throw new InvalidTreePathError(formatTreePath(path), "the top level of a document is a mapping, so the path must start with a key");
  const copy = cloneValue(root);
  const r = setIn(copy, path, value);
  return { root: r.node as Branch, changed: r.changed };
}

/** Removes the value at `path` from a copy of `root`; "Key not found" when absent. */
export function unsetAtPath(root: Branch, path: TreePath): Branch {
  if (path.length === 0) throw new InvalidTreePathError("", "the path is empty");
  const copy = cloneValue(root);
  let node: Value = copy;
  for (let n = 0; n < path.length; n++) {
    const c = path[n];
    const last = n === path.length - 1;
    if (node.kind === "branch" && typeof c === "string") {
      const idx: number = node.items.findIndex((i) => !isComment(i) && i.key === c);
      if (idx < 0) throw new KeyNotFoundError(`Key not found: ${c}`);
      if (last) node.items.splice(idx, 1);
      else node = (node.items[idx] as { value: Value }).value;
    } else if (node.kind === "sequence" && typeof c === "number") {
      const positions: number[] = node.items.map((i, k) => (isComment(i) ? -1 : k)).filter((k) => k >= 0);
      if (c >= positions.length) throw new KeyNotFoundError(`Index ${c} out of bounds`);
      if (last) node.items.splice(positions[c], 1);
      else node = node.items[positions[c]] as Value;
    } else {
      throw new KeyNotFoundError(`Unsupported type: ${node.kind} for item '${c}'`);
    }
  }
  return copy;
}
