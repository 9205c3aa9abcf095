/**
 * The splice attack on a revoked recipient: the removed party kept an old copy of a file (Git history) with its own
 * `sops.age` entry, copies that entry into the new file's metadata, and decrypts the new file with its identity. It
 * succeeds exactly when the new file still uses the old data key (a re-wrap instead of a fresh key).
 */
import { type Document, parseAllDocuments, isMap, isSeq } from "yaml";
import { decryptText } from "../../sops";

/** The new YAML file with `recipient`'s `sops.age` entry from the old file added. */
export function spliceAgeEntry(newText: string, oldText: string, recipient: string): string {
  const ageLists = (docs: Document[]) => docs.map((d) => d.getIn(["sops", "age"])).filter(isSeq);
  const entry = ageLists(parseAllDocuments(oldText) as Document[])
    .flatMap((list) => list.items)
    .find((item) => isMap(item) && item.get("recipient") === recipient);
  if (entry === undefined) throw new Error(`the old file has no sops.age entry for ${recipient}`);
  const docs = parseAllDocuments(newText) as Document[];
  const targets = ageLists(docs);
  if (targets.length === 0) throw new Error("the new file has no sops.age list");
  for (const list of targets) list.items.push(entry);
  return docs.map((d) => d.toString({ lineWidth: 0 })).join("");
}

/** The spliced file's plaintext if the revoked identity can read it, `undefined` when the attack fails. */
export async function spliceAttack(newText: string, oldText: string, revoked: { identity: string; recipient: string }): Promise<string | undefined> {
  const spliced = spliceAgeEntry(newText, oldText, revoked.recipient);
  try {
    return await decryptText(spliced, { format: "yaml", identities: [revoked.identity], env: {} });
  } catch {
    return undefined;
  }
}
