import type { Contract } from "../contract";
import { documentKind } from "../patches/document-id";
import { type ConfigDocument, type YamlValue, isYamlMap } from "../patches/yaml-value";
import { CONFIG_SCHEMAS as SCHEMAS, type SchemaNode } from "../patches/config-schema";
import { movedField } from "./moved-fields";

const V1ALPHA1 = "v1alpha1";
const PATCH_KEY = "$patch";

/**
 * Fields in a user patch that Talos at this contract does not take: a document kind it does not
 * have, a v1alpha1 field that moved into its own document (named, with the fix), or a field its
 * schema does not know. Fields the generated base config itself holds (e.g. `persist`, which the
 * schema leaves undocumented) are accepted. Each message names the patch, the document and the field.
 */
export function patchFieldProblems(contract: Contract, patchDocs: readonly ConfigDocument[], base: readonly ConfigDocument[], source: string): string[] {
  const schema = SCHEMAS[contract.minor];
  const problems: string[] = [];
  for (const doc of patchDocs) {
    const kind = documentKind(doc) ?? V1ALPHA1;
    const node = schema.kinds[kind];
    const label = kind === V1ALPHA1 ? "the v1alpha1 machine config" : `document ${kind}`;
    if (node === undefined) {
      const newer = ([11, 12, 13, 14] as const).find((m) => m > contract.minor && SCHEMAS[m].kinds[kind] !== undefined);
      problems.push(
        `${source}: Talos ${contract.talosVersion} has no config document of kind "${kind}"` +
          (newer !== undefined ? ` (it exists from Talos v1.${newer})` : "") +
          `: fix the kind (see ${contractDocs(contract)}) or remove the document`,
      );
      continue;
    }
    const baseDoc = base.find((b) => (documentKind(b) ?? V1ALPHA1) === kind);
    walk(doc, node, baseDoc, [], (path, reason) => problems.push(`${source}: ${label}: ${reason(path)}`), contract, kind);
  }
  return [...new Set(problems)];
}

function contractDocs(contract: Contract): string {
  return `https://docs.siderolabs.com/talos/${contract.name}/reference/configuration`;
}

type Report = (path: readonly string[], reason: (path: readonly string[]) => string) => void;

function walk(value: YamlValue, node: SchemaNode, base: YamlValue | undefined, path: string[], report: Report, contract: Contract, kind: string): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, node, Array.isArray(base) ? base[0] : undefined, path, report, contract, kind);
    return;
  }
  if (!isYamlMap(value) || node === 0 || node === 1) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === PATCH_KEY) continue;
    const childPath = [...path, key];
    const baseChild = isYamlMap(base) ? base[key] : undefined;
    if ("m" in node) {
      walk(child, node.m, baseChild, childPath, report, contract, kind);
      continue;
    }
    const known = node.p[key];
    if (known !== undefined) {
      walk(child, known, baseChild, childPath, report, contract, kind);
      continue;
    }
    if (kind === V1ALPHA1 && reportMoved(child, childPath, contract, report)) continue;
    if (baseChild !== undefined) continue; // a field Talos's own generator writes (undocumented, e.g. persist)
    const fields = Object.keys(node.p).filter((f) => f !== "apiVersion" && f !== "kind");
    report(childPath, (p) =>
      `Talos ${contract.talosVersion} does not know the field .${p.join(".")}: fix its spelling or remove it` +
        (fields.length > 0 ? ` (fields here: ${fields.join(", ")})` : ""),
    );
  }
}

/** Reports a moved v1alpha1 field, at the most specific entry the patch reaches; false when nothing there moved. */
function reportMoved(value: YamlValue, path: string[], contract: Contract, report: Report): boolean {
  const moved = movedField(contract.minor, path);
  if (moved === undefined) return false;
  if (isYamlMap(value)) {
    const deeper = Object.keys(value).filter((k) => (movedField(contract.minor, [...path, k])?.path ?? moved.path) !== moved.path);
    if (deeper.length > 0) {
      for (const key of Object.keys(value)) {
        if (!reportMoved(value[key], [...path, key], contract, report)) reportOne(path, moved.document, moved.since, report);
      }
      return true;
    }
  }
  reportOne(path, moved.document, moved.since, report);
  return true;
}

function reportOne(path: readonly string[], document: string, since: number, report: Report): void {
  report(path, (p) =>
    `.${p.join(".")} moved out of the v1alpha1 document in Talos v1.${since}: ` +
      `write it in the ${document} document instead (a patch document with apiVersion: v1alpha1 and kind: ${document.split(" ")[0]})`,
  );
}
