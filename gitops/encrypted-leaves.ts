/** Finds the leaves of an encrypted document that the encryption rules say must be ENC[...] but are not. */
import { LeafSelector, validateRules, type EncryptionRules, isComment, type Tree, type Value } from "../sops/index";

export interface UnencryptedLeaf {
  /** Mapping keys from the root, joined with `.` (list items share their key, as in sops's AAD). */
  readonly path: string;
  /** The value looks like ENC[...] but is not a well-formed sops value. */
  readonly malformed: boolean;
}

/** A well-formed sops value string. */
export const ENC_VALUE = /^ENC\[AES256_GCM,data:[A-Za-z0-9+/]+={0,2},iv:[A-Za-z0-9+/]+={0,2},tag:[A-Za-z0-9+/]+={0,2},type:(str|int|float|bool|time|comment|bytes)\]$/;

function walk(
  value: Value,
  path: string[],
  comments: string[][],
  selector: LeafSelector,
  out: UnencryptedLeaf[],
): void {
  if (value.kind === "branch" || value.kind === "sequence") {
    const level: string[] = [];
    const stack = [...comments, level];
    for (const item of value.items) {
      if (isComment(item)) {
        level.push(item.value);
        continue;
      }
      if (value.kind === "branch" && "key" in item) walk(item.value, [...path, item.key], stack, selector, out);
      else walk(item as Value, path, stack, selector, out);
      level.length = 0;
    }
    return;
  }
  if (value.kind === "null") return;
  if (value.kind === "str" && value.value === "") return;
  if (!selector.shouldEncrypt(path, comments, false)) return;
  if (value.kind === "str" && ENC_VALUE.test(value.value)) return;
  const looksEncrypted = value.kind === "str" && value.value.startsWith("ENC[");
  out.push({ path: path.join(".") || "(root)", malformed: looksEncrypted });
}

export function unencryptedLeaves(tree: Tree, rules: EncryptionRules): UnencryptedLeaf[] {
  const selector = new LeafSelector(validateRules(rules));
  const out: UnencryptedLeaf[] = [];
  for (const doc of tree.documents) walk(doc, [], [], selector, out);
  return out;
}
