import { deepEqual } from "./merge-value";
import { type ConfigDocument, type YamlValue, cloneYaml, isYamlMap } from "./yaml-value";

export type JsonPatchOp =
  | { readonly op: "add" | "replace" | "test"; readonly path: string; readonly value: YamlValue }
  | { readonly op: "remove"; readonly path: string }
  | { readonly op: "move" | "copy"; readonly path: string; readonly from: string };

export interface JsonPatch {
  readonly kind: "json-patch";
  readonly operations: readonly JsonPatchOp[];
}

export const MULTI_DOCUMENT_JSON_PATCH_ERROR = "JSON6902 patches are not supported for multi-document machine configuration";

/** Reads a list of RFC 6902 operations (`[{op, path, value|from}]`), naming the first malformed one. */
export function jsonPatch(list: readonly YamlValue[]): JsonPatch {
  const operations = list.map((raw, i): JsonPatchOp => {
    const where = `JSON patch operation ${i + 1}`;
    if (!isYamlMap(raw)) throw new Error(`${where} is not a map: write it as {op: ..., path: ..., value: ...}`);
    const { op, path } = raw;
    if (typeof path !== "string" || (path !== "" && !path.startsWith("/"))) {
      throw new Error(`${where}: path ${JSON.stringify(path)} is not a JSON pointer: write it like /machine/install/disk`);
    }
    switch (op) {
      case "add":
      case "replace":
      case "test":
        if (!("value" in raw)) throw new Error(`${where} (${op} ${path}) has no value: add "value:"`);
        return { op, path, value: raw.value };
      case "remove":
        return { op, path };
      case "move":
      case "copy":
        if (typeof raw.from !== "string") throw new Error(`${where} (${op} ${path}) has no "from" JSON pointer`);
        return { op, path, from: raw.from };
      default:
        throw new Error(`${where}: op ${JSON.stringify(op)} is not one of add, remove, replace, move, copy, test`);
    }
  });
  return { kind: "json-patch", operations };
}

/** Applies an RFC 6902 patch to a single-document config; Talos refuses multi-document configs. */
export function applyJsonPatch(config: readonly ConfigDocument[], patch: JsonPatch): ConfigDocument[] {
  if (config.length !== 1) throw new Error(MULTI_DOCUMENT_JSON_PATCH_ERROR);
  let doc: YamlValue = cloneYaml(config[0]);
  for (const op of patch.operations) doc = applyOperation(doc, op);
  if (!isYamlMap(doc)) throw new Error("JSON patch replaced the whole config with a non-map value");
  return [doc];
}

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function fail(op: JsonPatchOp, reason: string): never {
  throw new Error(`failure applying rfc6902 patches to talos machine config: ${op.op} ${op.path}: ${reason}`);
}

function get(doc: YamlValue, tokens: readonly string[], op: JsonPatchOp): YamlValue {
  let node = doc;
  for (const token of tokens) {
    if (Array.isArray(node)) {
      const i = arrayIndex(token, node.length - 1, op);
      node = node[i];
    } else if (isYamlMap(node) && token in node) {
      node = node[token];
    } else {
      fail(op, `path element "${token}" does not exist`);
    }
  }
  return node;
}

function arrayIndex(token: string, max: number, op: JsonPatchOp): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) fail(op, `"${token}" is not an array index`);
  const i = Number(token);
  if (i > max) fail(op, `index ${i} is out of range`);
  return i;
}

function applyOperation(doc: YamlValue, op: JsonPatchOp): YamlValue {
  switch (op.op) {
    case "test":
      if (!deepEqual(get(doc, parsePointer(op.path), op), op.value)) fail(op, "test failed: value differs");
      return doc;
    case "add":
      return add(doc, parsePointer(op.path), cloneYaml(op.value), op);
    case "remove":
      return remove(doc, parsePointer(op.path), op);
    case "replace": {
      const tokens = parsePointer(op.path);
      get(doc, tokens, op);
      return add(remove(doc, tokens, op), tokens, cloneYaml(op.value), op);
    }
    case "copy":
      return add(doc, parsePointer(op.path), cloneYaml(get(doc, parsePointer(op.from), op)), op);
    case "move": {
      const from = parsePointer(op.from);
      const value = get(doc, from, op);
      return add(remove(doc, from, op), parsePointer(op.path), value, op);
    }
  }
}

function add(doc: YamlValue, tokens: readonly string[], value: YamlValue, op: JsonPatchOp): YamlValue {
  if (tokens.length === 0) return value;
  const parent = get(doc, tokens.slice(0, -1), op);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const i = last === "-" ? parent.length : arrayIndex(last, parent.length, op);
    parent.splice(i, 0, value);
  } else if (isYamlMap(parent)) {
    parent[last] = value;
  } else {
    fail(op, "parent is not a map or a list");
  }
  return doc;
}

function remove(doc: YamlValue, tokens: readonly string[], op: JsonPatchOp): YamlValue {
  if (tokens.length === 0) fail(op, "cannot remove the whole document");
  const parent = get(doc, tokens.slice(0, -1), op);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    parent.splice(arrayIndex(last, parent.length - 1, op), 1);
  } else if (isYamlMap(parent) && last in parent) {
    delete parent[last];
  } else {
    fail(op, `path element "${last}" does not exist`);
  }
  return doc;
}
