/** Which leaves and comments sops encrypts: the six metadata rules, evaluated per path key as sops's `shouldBeEncrypted`. */
import { InvalidInputError } from "./errors";
import type { SopsMetadata } from "./metadata";
import { goRegexp } from "./go-regexp";

export interface EncryptionRules {
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  unencryptedRegex?: string;
  encryptedRegex?: string;
  unencryptedCommentRegex?: string;
  encryptedCommentRegex?: string;
  macOnlyEncrypted?: boolean;
}

/** The string rule fields with their `.sops.yaml` / metadata key names, in sops's order. */
export const RULE_FIELDS = [
  ["unencrypted_suffix", "unencryptedSuffix"],
  ["encrypted_suffix", "encryptedSuffix"],
  ["unencrypted_regex", "unencryptedRegex"],
  ["encrypted_regex", "encryptedRegex"],
  ["unencrypted_comment_regex", "unencryptedCommentRegex"],
  ["encrypted_comment_regex", "encryptedCommentRegex"],
] as const;

export const DEFAULT_UNENCRYPTED_SUFFIX = "_unencrypted";

const RULE_NAMES = [
  ["unencryptedSuffix", "unencrypted_suffix"],
  ["encryptedSuffix", "encrypted_suffix"],
  ["unencryptedRegex", "unencrypted_regex"],
  ["encryptedRegex", "encrypted_regex"],
  ["unencryptedCommentRegex", "unencrypted_comment_regex"],
  ["encryptedCommentRegex", "encrypted_comment_regex"],
] as const;

export function rulesFromMetadata(m: SopsMetadata): EncryptionRules {
  const r: EncryptionRules = {};
  for (const [prop] of RULE_NAMES) if (m[prop] !== undefined && m[prop] !== "") r[prop] = m[prop];
  if (m.macOnlyEncrypted) r.macOnlyEncrypted = true;
  return validateRules(r);
}

/**
 * Checks that at most one rule is set (sops refuses more), that regexes compile, and applies the default
 * `unencryptedSuffix: "_unencrypted"` when no rule is given. Returns the effective rules.
 */
export function validateRules(r: EncryptionRules): EncryptionRules {
  const set = RULE_NAMES.filter(([prop]) => r[prop] !== undefined && r[prop] !== "");
  if (set.length > 1) {
    throw new InvalidInputError(
      `cannot use more than one of ${RULE_NAMES.map(([, n]) => n).join(", ")}; got ${set.map(([, n]) => n).join(" and ")}. Keep one rule.`,
    );
  }
  for (const [prop, name] of RULE_NAMES) {
    const v = r[prop];
    if (v !== undefined && v !== "" && prop.endsWith("Regex")) {
      try {
        goRegexp(v);
      } catch (e) {
        throw new InvalidInputError(`${name} ${JSON.stringify(v)} is not a valid regular expression: ${(e as Error).message}`);
      }
    }
  }
  const out: EncryptionRules = {};
  for (const [prop] of RULE_NAMES) if (r[prop] !== undefined && r[prop] !== "") out[prop] = r[prop];
  if (set.length === 0) out.unencryptedSuffix = DEFAULT_UNENCRYPTED_SUFFIX;
  if (r.macOnlyEncrypted) out.macOnlyEncrypted = true;
  return out;
}

/** Decides, for a leaf or comment, whether it is encrypted. Regexes are compiled once per rule set. */
export class LeafSelector {
  private readonly unencryptedRegex?: RegExp;
  private readonly encryptedRegex?: RegExp;
  private readonly unencryptedCommentRegex?: RegExp;
  private readonly encryptedCommentRegex?: RegExp;

  constructor(private readonly rules: EncryptionRules) {
    if (rules.unencryptedRegex) this.unencryptedRegex = goRegexp(rules.unencryptedRegex);
    if (rules.encryptedRegex) this.encryptedRegex = goRegexp(rules.encryptedRegex);
    if (rules.unencryptedCommentRegex) this.unencryptedCommentRegex = goRegexp(rules.unencryptedCommentRegex);
    if (rules.encryptedCommentRegex) this.encryptedCommentRegex = goRegexp(rules.encryptedCommentRegex);
  }

  /** Whether a comment rule is set (then the decision depends on the comments seen, not only on the path). */
  get usesComments(): boolean {
    return this.unencryptedCommentRegex !== undefined || this.encryptedCommentRegex !== undefined;
  }

  /** Bit flags for one path key: which key rules it matches (computed once per key during a walk). */
  keyFlags(key: string): number {
    const r = this.rules;
    let flags = 0;
    if (r.unencryptedSuffix && key.endsWith(r.unencryptedSuffix)) flags |= UNENCRYPTED_SUFFIX;
    if (r.encryptedSuffix && key.endsWith(r.encryptedSuffix)) flags |= ENCRYPTED_SUFFIX;
    if (this.unencryptedRegex?.test(key)) flags |= UNENCRYPTED_REGEX;
    if (this.encryptedRegex?.test(key)) flags |= ENCRYPTED_REGEX;
    return flags;
  }

  /**
   * Mirrors sops's `shouldBeEncrypted(path, commentsStack, isComment)`: each rule in turn may override the previous
   * decision; key rules hold when any key of the path matches (`pathFlags` is the OR of the keys' `keyFlags`);
   * comment rules look at the comments seen since the last non-comment item at every nesting level (for a comment,
   * its own line is the last one of the innermost level).
   */
  decide(pathFlags: number, commentsStack: readonly (readonly string[])[], isComment: boolean): boolean {
    const r = this.rules;
    let encrypted = true;
    if (r.unencryptedSuffix && pathFlags & UNENCRYPTED_SUFFIX) encrypted = false;
    if (r.encryptedSuffix) encrypted = (pathFlags & ENCRYPTED_SUFFIX) !== 0;
    if (this.unencryptedRegex && pathFlags & UNENCRYPTED_REGEX) encrypted = false;
    if (this.encryptedRegex) encrypted = (pathFlags & ENCRYPTED_REGEX) !== 0;
    if (this.unencryptedCommentRegex) {
      const re = this.unencryptedCommentRegex;
      if (commentsStack.some((level) => level.some((c) => re.test(c)))) encrypted = false;
    }
    if (this.encryptedCommentRegex) {
      const re = this.encryptedCommentRegex;
      const last = commentsStack.length - 1;
      encrypted = commentsStack.some((level, i) =>
        level.some((c, j) => !(isComment && i === last && j === level.length - 1) && re.test(c)),
      );
    }
    return encrypted;
  }

  /** The decision for a path given as its keys (convenience over `keyFlags` + `decide`). */
  shouldEncrypt(path: readonly string[], commentsStack: readonly (readonly string[])[], isComment: boolean): boolean {
    let flags = 0;
    for (const key of path) flags |= this.keyFlags(key);
    return this.decide(flags, commentsStack, isComment);
  }
}

const UNENCRYPTED_SUFFIX = 1;
const ENCRYPTED_SUFFIX = 2;
const UNENCRYPTED_REGEX = 4;
const ENCRYPTED_REGEX = 8;
