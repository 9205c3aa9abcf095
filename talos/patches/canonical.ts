import { newestSchemaNode, orderBySchema } from "./config-schema";
import { type FieldNode, type TypeNode, DOCUMENT_TYPES, documentType } from "./schema";
import { compareYamlKeys } from "./yaml-keys";
import { documentKind } from "./document-id";
import { type ConfigDocument, type YamlMap, type YamlValue, isYamlMap } from "./yaml-value";

/**
 * Puts a document in the form Talos's encoder writes it: struct fields in Go field order (unknown
 * fields after, in the order given), map keys sorted as yaml.v3 sorts them, empty `omitempty`
 * fields dropped.
 */
export function canonicalDocument(doc: ConfigDocument): ConfigDocument {
  const kind = documentKind(doc);
  if (kind !== undefined && DOCUMENT_TYPES[kind] === undefined) {
    // kinds without a hand-written schema (e.g. 1.14's Kube*Config): field order from machinery's schema
    const node = newestSchemaNode(kind);
    if (node !== undefined) {
      const ordered = orderBySchema(doc, node);
      return isYamlMap(ordered) ? ordered : doc;
    }
  }
  const out = canonical(doc, documentType(kind));
  return isYamlMap(out) ? out : doc;
}

function canonical(value: YamlValue, type: TypeNode): YamlValue {
  if (Array.isArray(value)) {
    const itemType: TypeNode = type.kind === "list" ? type.item : type.kind === "unstructured" ? type : { kind: "any" };
    return value.map((item) => canonical(item, itemType));
  }
  if (!isYamlMap(value)) return value;
  switch (type.kind) {
    case "struct":
      return canonicalStruct(value, type.fields);
    case "map":
      return sortedMap(value, () => type.value);
    case "unstructured":
      return sortedMap(value, () => type);
    default:
      return value;
  }
}

function canonicalStruct(value: YamlMap, fields: readonly FieldNode[]): YamlMap {
  const out: YamlMap = {};
  for (const field of fields) {
    const v = value[field.name] ?? (field.omitEmpty ? undefined : field.zero);
    if (v === undefined || (field.omitEmpty && isEmpty(v, field))) continue;
    out[field.name] = canonical(v, field.type);
  }
  for (const [key, v] of Object.entries(value)) {
    if (!fields.some((f) => f.name === key)) out[key] = v;
  }
  return out;
}

function isEmpty(v: YamlValue, field: FieldNode): boolean {
  if (v === null || v === "" || v === 0) return field.type.kind !== "scalar" || !field.type.pointer;
  if (v === false) return !(field.type.kind === "scalar" && field.type.pointer);
  if (Array.isArray(v)) return v.length === 0;
  if (isYamlMap(v)) return Object.keys(v).length === 0 && !field.keepEmptyObject;
  return false;
}

function sortedMap(value: YamlMap, valueType: (key: string) => TypeNode): YamlMap {
  const out: YamlMap = {};
  for (const key of Object.keys(value).sort(compareYamlKeys)) out[key] = canonical(value[key], valueType(key));
  return out;
}

export { compareYamlKeys };
