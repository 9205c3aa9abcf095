import { type ListMergeKey, type TypeNode, fieldOf } from "./schema";
import { type YamlMap, type YamlValue, cloneYaml, isYamlMap } from "./yaml-value";

const ANY: TypeNode = { kind: "any" };

/**
 * Merges `right` (a patch) into `left` following Talos's merge rules (pkg/machinery/config/merge):
 * maps and structs merge per key, lists append unless the schema says replace or merge-by-key,
 * a zero scalar ("" or 0) in the patch is ignored unless the field is a pointer, booleans always
 * overwrite, and null in the patch changes nothing. Returns the merged value; `left` is not modified.
 */
export function mergeValue(left: YamlValue | undefined, right: YamlValue | undefined, type: TypeNode, path: string): YamlValue | undefined {
  if (right === undefined || right === null) return left;
  if (left === undefined || left === null) return cloneYaml(right);

  if (Array.isArray(right)) {
    if (!Array.isArray(left)) return typeMismatch(left, right, type, path);
    return mergeList(left, right, type, path);
  }
  if (isYamlMap(right)) {
    if (!isYamlMap(left)) return typeMismatch(left, right, type, path);
    if (type.kind === "unstructured" && type.replace) return Object.keys(right).length > 0 ? cloneYaml(right) : left;
    if (type.kind === "struct") return mergeStruct(left, right, type, path);
    const valueType = type.kind === "map" ? type.value : ANY;
    const out: YamlMap = { ...left };
    for (const [key, value] of Object.entries(right)) {
      const merged = mergeValue(out[key], value, valueType, `${path}.${key}`);
      if (merged !== undefined) out[key] = merged;
    }
    return out;
  }
  if (isYamlMap(left) || Array.isArray(left)) return typeMismatch(left, right, type, path);
  return mergeScalar(left, right, type);
}

function mergeStruct(left: YamlMap, right: YamlMap, type: TypeNode & { kind: "struct" }, path: string): YamlMap {
  const out: YamlMap = { ...left };
  for (const [key, value] of Object.entries(right)) {
    const fieldType = fieldOf(type, key)?.type ?? ANY;
    const merged = mergeValue(out[key], value, fieldType, `${path}.${key}`);
    if (merged !== undefined) out[key] = merged;
  }
  return out;
}

function mergeScalar(left: YamlValue, right: YamlValue, type: TypeNode): YamlValue {
  if (typeof right === "boolean") return right;
  const pointer = type.kind === "scalar" && type.pointer;
  if (!pointer && (right === "" || right === 0)) return left;
  return right;
}

function mergeList(left: YamlValue[], right: YamlValue[], type: TypeNode, path: string): YamlValue[] {
  if (right.length === 0) return left;
  if (type.kind !== "list") return [...left, ...cloneYaml(right)];
  if (type.replace) return cloneYaml(right);
  if (type.mergeKey === undefined) return [...left, ...cloneYaml(right)];
  const out = [...left];
  for (const element of right) {
    const index = out.findIndex((existing) => sameListElement(existing, element, type.mergeKey as ListMergeKey));
    if (index < 0) {
      out.push(cloneYaml(element));
    } else {
      out[index] = mergeValue(out[index], element, type.item, `${path}[${index}]`) ?? out[index];
    }
  }
  return out;
}

/** Talos's keyed list merges: by one field (vlanId, name, mountPath) or interface-then-deviceSelector. */
function sameListElement(existing: YamlValue, element: YamlValue, key: ListMergeKey): boolean {
  if (!isYamlMap(existing) || !isYamlMap(element)) return false;
  if ("field" in key) return existing[key.field] === element[key.field];
  for (const field of key.anyOf) {
    const wanted = element[field];
    if (wanted === undefined || wanted === "" || wanted === null) continue;
    // Go compares selectors by value, and `physical` is a *bool: two selectors using it never match.
    if (field === "deviceSelector" && (hasPhysical(wanted) || hasPhysical(existing[field]))) return false;
    return deepEqual(existing[field], wanted);
  }
  return false;
}

function hasPhysical(selector: YamlValue | undefined): boolean {
  return isYamlMap(selector) && selector.physical !== undefined && selector.physical !== null;
}

export function deepEqual(a: YamlValue | undefined, b: YamlValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isYamlMap(a) && isYamlMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

function typeMismatch(left: YamlValue, right: YamlValue, _type: TypeNode, path: string): never {
  throw new Error(
    `patch sets ${path.replace(/^\./, "")} to ${describe(right)} but the config holds ${describe(left)} there: ` +
      `write the patch value with the same shape as the config field`,
  );
}

function describe(value: YamlValue): string {
  if (Array.isArray(value)) return "a list";
  if (isYamlMap(value)) return "a map";
  return `a ${typeof value} (${JSON.stringify(value)})`;
}
