import { type FieldNode, type TypeNode, documentType } from "./schema";
import { documentKind } from "./document-id";
import { type ConfigDocument, type YamlMap, type YamlValue, isYamlMap } from "./yaml-value";

/**
 * Puts a document in the form Talos's encoder writes it: struct fields in Go field order (unknown
 * fields after, in the order given), map keys sorted as yaml.v3 sorts them, empty `omitempty`
 * fields dropped.
 */
export function canonicalDocument(doc: ConfigDocument): ConfigDocument {
  const out = canonical(doc, documentType(documentKind(doc)));
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

const isDigit = (c: string): boolean => c >= "0" && c <= "9";
const isLetter = (c: string): boolean => /\p{L}/u.test(c);

/** yaml.v3's map key order: rune by rune, letters before other characters, digit runs compared as numbers. */
export function compareYamlKeys(a: string, b: string): number {
  const ar = [...a];
  const br = [...b];
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) {
      digits = isDigit(ar[i]);
      continue;
    }
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i] < br[i] ? -1 : 1;
    if (al || bl) {
      if (digits) return al ? -1 : 1;
      return bl ? -1 : 1;
    }
    let an = 0;
    let bn = 0;
    if (ar[i] === "0" || br[i] === "0") {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== "0") {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn ? -1 : 1;
    if (ai !== bi) return ai < bi ? -1 : 1;
    return ar[i] < br[i] ? -1 : 1;
  }
  return ar.length - br.length;
}
