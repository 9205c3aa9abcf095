/** Encrypts and decrypts a whole document tree in one walk, computing and checking the MAC as sops does. */
import { createSecretKey } from "node:crypto";
import { DecryptValueError, MacMismatchError, SopsError } from "./errors";
import { EncryptionRules, LeafSelector, rulesFromMetadata, validateRules } from "./encryption-rules";
import { IvStash } from "./iv-stash";
import { MacBuilder } from "./mac";
import { SopsMetadata, canonicalLastModified, formatLastModified } from "./metadata";
import { plaintextOf, scalarFromPlaintext, typeTagOf } from "./plaintext";
import { Branch, Comment, Scalar, Sequence, Tree, Value, isComment } from "./tree";
import { decryptValue, encryptValue } from "./value-cipher";

export { IvStash } from "./iv-stash";

type LeafVisitor<T extends Scalar | Comment> = (leaf: T, aad: string, encrypted: boolean) => T;

interface Visitors {
  scalar: LeafVisitor<Scalar>;
  comment: LeafVisitor<Comment>;
}

/** The AAD of a leaf: its path keys joined by `:` plus a trailing `:` (`:` at the root). */
const aadOf = (prefix: string): string => (prefix === "" ? ":" : prefix);

class TreeWalker {
  private readonly stack: string[][] = [];

  constructor(
    private readonly selector: LeafSelector,
    private readonly visit: Visitors,
  ) {}

  walkBranch(b: Branch, prefix: string, flags: number): Branch {
    const level: string[] = [];
    this.stack.push(level);
    const items: Branch["items"] = new Array(b.items.length);
    for (let i = 0; i < b.items.length; i++) {
      const item = b.items[i];
      if (isComment(item)) {
        level.push(item.value);
        items[i] = this.visit.comment(item, aadOf(prefix), this.selector.decide(flags, this.stack, true));
        continue;
      }
      const childFlags = flags | this.selector.keyFlags(item.key);
      items[i] = { key: item.key, value: this.walkValue(item.value, prefix + item.key + ":", childFlags) };
      level.length = 0;
    }
    this.stack.pop();
    return { kind: "branch", items };
  }

  private walkSequence(s: Sequence, prefix: string, flags: number): Sequence {
    const level: string[] = [];
    this.stack.push(level);
    const items: Sequence["items"] = new Array(s.items.length);
    for (let i = 0; i < s.items.length; i++) {
      const item = s.items[i];
      if (isComment(item)) {
        level.push(item.value);
        items[i] = this.visit.comment(item, aadOf(prefix), this.selector.decide(flags, this.stack, true));
        continue;
      }
      items[i] = this.walkValue(item, prefix, flags);
      level.length = 0;
    }
    this.stack.pop();
    return { kind: "sequence", items };
  }

  private walkValue(v: Value, prefix: string, flags: number): Value {
    if (v.kind === "branch") return this.walkBranch(v, prefix, flags);
    if (v.kind === "sequence") return this.walkSequence(v, prefix, flags);
    if (v.kind === "null") return v;
    return this.visit.scalar(v, aadOf(prefix), this.selector.decide(flags, this.stack, false));
  }
}

/** Where in the document a failing leaf is, without revealing its value. */
function atPath(aad: string, e: unknown): never {
  if (e instanceof SopsError) {
    e.message = `Error walking tree at key path "${aad}": ${e.message}`;
    throw e;
  }
  throw e;
}

export function encryptDocument(
  plain: Tree,
  dataKey: Buffer,
  rules: EncryptionRules,
  opts: { now: Date; stash?: IvStash },
): { tree: Tree; mac: string; lastmodified: string } {
  const effective = validateRules(rules);
  const selector = new LeafSelector(effective);
  const mac = new MacBuilder(effective.macOnlyEncrypted === true);
  const stash = opts.stash;
  const key = dataKey.length === 32 ? createSecretKey(dataKey) : dataKey;
  const encrypt = (plaintext: Buffer, type: string, aad: string): string =>
    encryptValue(plaintext, type, key, aad, stash?.lookup(aad, type, plaintext));

  const walker = new TreeWalker(selector, {
    scalar(leaf, aad, encrypted) {
      if (leaf.kind === "null") return leaf;
      try {
        const plaintext = plaintextOf(leaf);
        mac.add(plaintext, encrypted);
        if (!encrypted || (leaf.kind === "str" && leaf.value === "")) return leaf;
        return { kind: "str", value: encrypt(plaintext, typeTagOf(leaf), aad) };
      } catch (e) {
        return atPath(aad, e);
      }
    },
    comment(leaf, aad, encrypted) {
      if (!encrypted || leaf.value === "") return leaf;
      return { kind: "comment", value: encrypt(Buffer.from(leaf.value, "utf8"), "comment", aad) };
    },
  });
  const tree: Tree = { documents: plain.documents.map((d) => walker.walkBranch(d, "", 0)) };
  const lastmodified = formatLastModified(opts.now);
  const macHex = Buffer.from(mac.digestHex(), "latin1");
  return { tree, mac: encrypt(macHex, "str", lastmodified), lastmodified };
}

export function decryptDocument(
  encrypted: Tree,
  metadata: SopsMetadata,
  dataKey: Buffer,
  opts: { ignoreMac?: boolean; rememberIvs?: boolean } = {},
): { tree: Tree; stash: IvStash } {
  const rules = rulesFromMetadata(metadata);
  const selector = new LeafSelector(rules);
  const mac = new MacBuilder(rules.macOnlyEncrypted === true);
  // The IVs are only needed to re-encrypt (edit, set, rotate, re-render); a plain decrypt skips remembering them.
  const stash = new IvStash(opts.rememberIvs !== false);
  const key = dataKey.length === 32 ? createSecretKey(dataKey) : dataKey;

  const walker = new TreeWalker(selector, {
    scalar(leaf, aad, isEncrypted) {
      try {
        if (!isEncrypted) {
          if (leaf.kind !== "null") mac.add(plaintextOf(leaf), false);
          return leaf;
        }
        if (leaf.kind !== "str") {
          throw new DecryptValueError(`Could not decrypt value: expected an encrypted string, found a ${leaf.kind} value; the file's encryption rules do not match its content`);
        }
        if (leaf.value === "") return leaf;
        const d = decryptValue(leaf.value, key, aad);
        const value = scalarFromPlaintext(d.type, d.plaintext);
        if (value.kind === "null") return value;
        stash.remember(aad, d.type, d.plaintext, d.iv);
        // a string's plaintext is its bytes as decrypted (scalarFromPlaintext checked they are its exact encoding)
        mac.add(value.kind === "str" || value.kind === "rawstr" ? d.plaintext : plaintextOf(value), true);
        return value;
      } catch (e) {
        return atPath(aad, e);
      }
    },
    comment(leaf, aad, isEncrypted) {
      if (!isEncrypted || leaf.value === "") return leaf;
      try {
        const d = decryptValue(leaf.value, key, aad);
        stash.remember(aad, d.type, d.plaintext, d.iv);
        return { kind: "comment", value: d.plaintext.toString("utf8") };
      } catch {
        // sops keeps a comment it cannot decrypt as it is (it was probably never encrypted).
        return leaf;
      }
    },
  });
  const tree: Tree = { documents: encrypted.documents.map((d) => walker.walkBranch(d, "", 0)) };
  const computed = mac.digestHex();

  const macAad = canonicalLastModified(metadata.lastmodified);
  let fileMac = "";
  try {
    if (metadata.mac !== "") {
      const d = decryptValue(metadata.mac, key, macAad);
      if (d.type !== "str") throw new DecryptValueError(`the MAC has type ${JSON.stringify(d.type)}, expected str`);
      fileMac = d.plaintext.toString("latin1");
      stash.remember(macAad, d.type, d.plaintext, d.iv);
    }
  } catch (e) {
    if (!opts.ignoreMac) throw new MacMismatchError(`Cannot decrypt MAC: ${(e as Error).message}. The file or its lastmodified field was changed, or the data key is wrong.`);
  }
  if (!opts.ignoreMac && fileMac !== computed) {
    throw new MacMismatchError(`MAC mismatch. File has ${fileMac === "" ? "no MAC" : fileMac}, computed ${computed}`);
  }
  return { tree, stash };
}
