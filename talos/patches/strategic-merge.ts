import { canonicalDocument } from "./canonical";
import { describeDocument, documentId, documentKind, isV1Alpha1 } from "./document-id";
import { mergeValue } from "./merge-value";
import { documentType } from "./schema";
import { type ConfigDocument, type YamlMap, type YamlValue, cloneYaml, isYamlMap } from "./yaml-value";

/** A `$patch: delete` found in a patch: a whole document, a key path, or one list element. */
export interface DeleteSelector {
  readonly documentId: string;
  readonly isV1Alpha1: boolean;
  readonly path: readonly string[];
  /** For a list element: the first `key: value` of the element besides `$patch`. */
  readonly match?: { readonly key: string; readonly value: string };
}

export interface StrategicMergePatch {
  readonly kind: "strategic-merge";
  readonly deletes: readonly DeleteSelector[];
  readonly documents: readonly ConfigDocument[];
}

const PATCH_KEY = "$patch";
const isDeleteMarker = (map: YamlMap): boolean => map[PATCH_KEY] === "delete";

/** Splits patch documents into delete selectors and what remains to merge, as Talos's loader does. */
export function strategicMergePatch(documents: readonly YamlValue[]): StrategicMergePatch {
  const deletes: DeleteSelector[] = [];
  const remaining: ConfigDocument[] = [];
  documents.forEach((doc, index) => {
    if (!isYamlMap(doc)) {
      throw new Error(`patch document ${index + 1} is not a map: a strategic merge patch is one or more YAML maps`);
    }
    checkDocumentHeader(doc, index);
    const copy = cloneYaml(doc);
    const id = documentId(copy);
    const legacy = isV1Alpha1(copy);
    if (isDeleteMarker(copy)) {
      deletes.push({ documentId: id, isV1Alpha1: legacy, path: [] });
      return;
    }
    collectDeletes(copy, [], false, (path, match) => deletes.push({ documentId: id, isV1Alpha1: legacy, path, match }));
    if (!isEmptyDocument(copy)) remaining.push(copy);
  });
  return { kind: "strategic-merge", deletes, documents: remaining };
}

function checkDocumentHeader(doc: YamlMap, index: number): void {
  const hasKind = doc.kind !== undefined;
  const hasApiVersion = doc.apiVersion !== undefined;
  if (hasKind !== hasApiVersion) {
    throw new Error(
      `patch document ${index + 1}: kind and apiVersion must both be set (found only ${hasKind ? "kind" : "apiVersion"}); ` +
        `add "apiVersion: v1alpha1" and the document's kind, or drop both for a v1alpha1 machine config patch`,
    );
  }
  if (!hasKind && doc.version !== undefined && doc.version !== "v1alpha1") {
    throw new Error(`patch document ${index + 1}: version "${String(doc.version)}" is not supported: use "version: v1alpha1"`);
  }
}

/** Removes `$patch: delete` maps from `node` (in place), reporting each; returns true when `node` became empty. */
function collectDeletes(
  node: YamlValue,
  path: string[],
  insideList: boolean,
  report: (path: string[], match?: { key: string; value: string }) => void,
): boolean {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const element = node[i];
      if (isYamlMap(element) && isDeleteMarker(element)) {
        const entry = Object.entries(element).find(([k]) => k !== PATCH_KEY);
        if (entry === undefined) throw new Error(`$patch: delete in list ${path.join(".")} needs a key: value naming the element to delete`);
        report([...path], { key: entry[0], value: scalarString(entry[1]) });
        node.splice(i--, 1);
        if (node.length === 0) return true;
        continue;
      }
      if (collectDeletes(element, [...path, `[${i}]`], true, report)) {
        node.splice(i--, 1);
        if (node.length === 0) return true;
      }
    }
    return false;
  }
  if (!isYamlMap(node)) return false;
  for (const key of Object.keys(node)) {
    const value = node[key];
    const childPath = [...path, key];
    if (isYamlMap(value) && isDeleteMarker(value)) {
      if (insideList || path.some((p) => p.startsWith("["))) {
        throw new Error(`cannot delete an inner key in '${childPath.join(".")}': delete the whole list element instead`);
      }
      report(childPath);
      delete node[key];
    } else if (collectDeletes(value, childPath, insideList, report)) {
      delete node[key];
    }
    if (Object.keys(node).length === 0) return true;
  }
  return false;
}

function scalarString(value: YamlValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Talos drops a patch document left with nothing but version/kind/name after its deletes are taken out. */
function isEmptyDocument(doc: YamlMap): boolean {
  return Object.entries(doc).every(([k, v]) => ["version", "kind", "name"].includes(k) && !isYamlMap(v) && !Array.isArray(v));
}

/** Applies one strategic merge patch to a (multi-document) config. Returns new documents. */
export function applyStrategicMerge(config: readonly ConfigDocument[], patch: StrategicMergePatch): ConfigDocument[] {
  let docs = config.map((d) => cloneYaml(d));
  for (const selector of patch.deletes) docs = applyDelete(docs, selector);
  for (const patchDoc of patch.documents) {
    const id = documentId(patchDoc);
    const index = docs.findIndex((d) => documentId(d) === id);
    if (index < 0) {
      docs.push(canonicalDocument(cloneYaml(patchDoc)));
      continue;
    }
    const merged = mergeValue(docs[index], patchDoc, documentType(documentKind(patchDoc)), "");
    docs[index] = canonicalDocument(merged as ConfigDocument);
  }
  return docs;
}

function applyDelete(docs: ConfigDocument[], selector: DeleteSelector): ConfigDocument[] {
  const index = docs.findIndex((d) => documentId(d) === selector.documentId);
  if (index < 0) {
    throw new Error(`patch delete: document ${selector.documentId.replace(/^\//, "")} is not in the config: remove the $patch: delete for it`);
  }
  const doc = docs[index];
  if (selector.path.length === 0) {
    if (selector.isV1Alpha1) throw new Error("patch delete: can't delete the root of the legacy (v1alpha1) document");
    return docs.filter((_, i) => i !== index);
  }
  const copy = cloneYaml(doc);
  deleteAtPath(copy, selector, describeDocument(doc));
  const out = [...docs];
  out[index] = canonicalDocument(copy);
  return out;
}

function deleteAtPath(doc: YamlMap, selector: DeleteSelector, docName: string): void {
  const fail = (): never => {
    throw new Error(
      `patch delete: path '${selector.path.join(".")}' in ${docName}: lookup failed` +
        (selector.match ? ` (no element with ${selector.match.key}: ${selector.match.value})` : "") +
        ": the config has nothing there to delete",
    );
  };
  let node: YamlValue = doc;
  const last = selector.path.length - 1;
  for (let i = 0; i < last; i++) {
    if (!isYamlMap(node)) return fail();
    const next: YamlValue | undefined = node[selector.path[i]];
    if (next === undefined || next === null) return fail();
    node = next;
  }
  if (!isYamlMap(node)) return fail();
  const key = selector.path[last];
  if (selector.match === undefined) {
    delete node[key];
    return;
  }
  const list = node[key];
  if (!Array.isArray(list)) return fail();
  const { key: matchKey, value } = selector.match;
  const at = list.findIndex((el) => isYamlMap(el) && el[matchKey] !== undefined && scalarString(el[matchKey]) === value);
  if (at < 0) return fail();
  list.splice(at, 1);
}
