import { parseAllDocuments } from "yaml";
import { canonicalDocument } from "./canonical";
import { isV1Alpha1 } from "./document-id";
import { type JsonPatch, applyJsonPatch, jsonPatch } from "./json-patch";
import { type StrategicMergePatch, applyStrategicMerge, strategicMergePatch } from "./strategic-merge";
import { type YamlDialect, encodeYamlDocuments } from "./yaml-encode";
import { type ConfigDocument, type YamlValue, isYamlMap } from "./yaml-value";

export type ConfigPatch = StrategicMergePatch | JsonPatch;

/** Parses multi-document YAML text into plain values; throws naming `source` and the YAML error. */
export function parseYamlDocuments(text: string, source: string): YamlValue[] {
  const docs = parseAllDocuments(text, { schema: "core", merge: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const values: YamlValue[] = [];
  for (const doc of list) {
    if (doc.errors.length > 0) throw new Error(`${source} is not valid YAML: ${doc.errors[0].message}`);
    const value = doc.toJS({ maxAliasCount: 100 }) as YamlValue | undefined;
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

/**
 * Reads one patch as Talos does: YAML map documents are a strategic merge patch (with `$patch:
 * delete`), a single YAML/JSON list is an RFC 6902 JSON patch.
 */
export function loadPatch(text: string, source = "patch"): ConfigPatch {
  const docs = parseYamlDocuments(text, source);
  if (docs.length === 0) throw new Error(`${source} is empty: write a YAML map (strategic merge) or a list of {op, path, value} (JSON patch)`);
  if (docs.length === 1 && Array.isArray(docs[0])) {
    try {
      return jsonPatch(docs[0]);
    } catch (e) {
      throw new Error(`${source}: ${(e as Error).message}`);
    }
  }
  if (docs.every((d) => isYamlMap(d))) {
    try {
      return strategicMergePatch(docs);
    } catch (e) {
      throw new Error(`${source}: ${(e as Error).message}`);
    }
  }
  throw new Error(
    `${source} is neither a strategic merge patch (YAML maps) nor a JSON patch (one list of {op, path, value}): fix its top level`,
  );
}

/** Loads patches in order; consecutive JSON patches are joined into one, as Talos does. */
export function loadPatches(texts: readonly string[], sourceName: (index: number) => string = (i) => `patch ${i + 1}`): ConfigPatch[] {
  const out: ConfigPatch[] = [];
  texts.forEach((text, i) => {
    const patch = loadPatch(text, sourceName(i));
    const previous = out[out.length - 1];
    if (patch.kind === "json-patch" && previous?.kind === "json-patch") {
      out[out.length - 1] = { kind: "json-patch", operations: [...previous.operations, ...patch.operations] };
    } else {
      out.push(patch);
    }
  });
  return out;
}

export function applyPatch(config: readonly ConfigDocument[], patch: ConfigPatch): ConfigDocument[] {
  if (patch.kind === "strategic-merge") return applyStrategicMerge(config, patch);
  return applyJsonPatch(config, patch).map((d) => canonicalDocument(d));
}

export function applyPatches(config: readonly ConfigDocument[], patches: readonly ConfigPatch[]): ConfigDocument[] {
  return patches.reduce<ConfigDocument[]>((docs, patch) => applyPatch(docs, patch), [...config]);
}

/** Parses a machine config (one or more documents). */
export function parseConfig(text: string, source = "machine config"): ConfigDocument[] {
  return parseYamlDocuments(text, source).map((doc, i) => {
    if (!isYamlMap(doc)) throw new Error(`${source}: document ${i + 1} is not a map`);
    return doc;
  });
}

/** Encodes a config like Talos (v1alpha1 first, then the other documents in order, comments off). */
export function encodeConfig(config: readonly ConfigDocument[], dialect: YamlDialect = "yaml.v3"): string {
  const legacy = config.filter((d) => isV1Alpha1(d));
  const others = config.filter((d) => !isV1Alpha1(d));
  return encodeYamlDocuments(
    [...legacy, ...others].map((d) => canonicalDocument(d)),
    dialect,
  );
}
