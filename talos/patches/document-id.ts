import type { ConfigDocument } from "./yaml-value";

/** The v1alpha1 config has no apiVersion/kind; Talos identifies it as kind "v1alpha1". */
export const V1ALPHA1_KIND = "v1alpha1";

export function isV1Alpha1(doc: ConfigDocument): boolean {
  return doc.kind === undefined && doc.apiVersion === undefined;
}

export function documentKind(doc: ConfigDocument): string | undefined {
  return typeof doc.kind === "string" ? doc.kind : undefined;
}

/** Talos matches documents by `apiVersion/kind[/name]`. */
export function documentId(doc: ConfigDocument): string {
  if (isV1Alpha1(doc)) return `/${V1ALPHA1_KIND}`;
  const id = `${String(doc.apiVersion ?? "")}/${String(doc.kind ?? "")}`;
  return typeof doc.name === "string" ? `${id}/${doc.name}` : id;
}

export function describeDocument(doc: ConfigDocument): string {
  if (isV1Alpha1(doc)) return "v1alpha1 config";
  return typeof doc.name === "string" ? `${String(doc.kind)} "${doc.name}"` : String(doc.kind);
}
