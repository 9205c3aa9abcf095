/**
 * sops writes its metadata into every document of a multi-document YAML file, and reads it from the first one alone:
 * a later document whose `sops` entry was cut (a truncated or hand-edited file, or a document appended without sops)
 * still decrypts, so the damage goes unnoticed until someone edits it. Each document must carry the first one's.
 */
import { LineCounter, isMap, isNode, parseAllDocuments } from "yaml";
import { checkYamlNesting } from "../sops/index";

export interface DocumentMetadataProblem {
  /** 1-based document number. */
  readonly document: number;
  /** 1-based line where the document starts. */
  readonly line: number;
  readonly problem: string;
}

/** The document's `sops` entry as JSON; an alias in it (sops never writes one) reads as not matching. */
function metadataOf(doc: ReturnType<typeof parseAllDocuments>[number]): string | undefined {
  if (!isMap(doc.contents)) return undefined;
  const node: unknown = doc.contents.get("sops", true);
  if (node === undefined) return undefined;
  try {
    return JSON.stringify(isNode(node) ? node.toJSON() : node);
  } catch {
    return "(unreadable)";
  }
}

/** Documents after the first whose sops metadata is missing or differs from the first document's. */
export function sopsDocumentMetadataProblems(text: string): DocumentMetadataProblem[] {
  checkYamlNesting(text);
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false, merge: false });
  const docs = Array.isArray(parsed) ? parsed : [];
  if (docs.length < 2) return [];
  const first = metadataOf(docs[0]);
  const out: DocumentMetadataProblem[] = [];
  docs.slice(1).forEach((doc, i) => {
    const line = lines.linePos(doc.range[0]).line;
    const document = i + 2;
    if (doc.errors.length > 0) {
      out.push({ document, line, problem: `is not valid YAML (${doc.errors[0].message.split("\n")[0]})` });
      return;
    }
    const metadata = metadataOf(doc);
    if (metadata === undefined) out.push({ document, line, problem: "has no sops metadata (cut, or appended without sops)" });
    else if (metadata !== first) out.push({ document, line, problem: "carries sops metadata different from the first document's" });
  });
  return out;
}
