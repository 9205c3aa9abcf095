import { describe, expect, it } from "vitest";
import { LeafSelector, rulesFromMetadata, validateRules } from "../../../sops/encryption-rules";
import { InvalidInputError } from "../../../sops/errors";
import { SOPS_FORMAT_VERSION } from "../../../sops/metadata";

const leaf = (rules: Parameters<typeof validateRules>[0], path: string[], comments: string[][] = [[]], isComment = false): boolean =>
  new LeafSelector(validateRules(rules)).shouldEncrypt(path, comments, isComment);

describe("encryption rules", () => {
  it("defaults to unencrypted_suffix _unencrypted and allows at most one rule", () => {
    expect(validateRules({})).toEqual({ unencryptedSuffix: "_unencrypted" });
    expect(validateRules({ encryptedRegex: "^data$", macOnlyEncrypted: true })).toEqual({ encryptedRegex: "^data$", macOnlyEncrypted: true });
    expect(() => validateRules({ encryptedRegex: "a", unencryptedSuffix: "_u" })).toThrow(InvalidInputError);
    expect(() => validateRules({ encryptedSuffix: "_e", encryptedCommentRegex: "x" })).toThrow(/more than one/);
    expect(() => validateRules({ encryptedRegex: "(" })).toThrow(/not a valid regular expression/);
  });

  it("reads the rules of a file's metadata", () => {
    const base = { keyGroups: [], lastmodified: "2024-01-01T00:00:00Z", mac: "", version: SOPS_FORMAT_VERSION };
    expect(rulesFromMetadata({ ...base, encryptedRegex: "^x$", macOnlyEncrypted: true })).toEqual({ encryptedRegex: "^x$", macOnlyEncrypted: true });
    expect(rulesFromMetadata(base)).toEqual({ unencryptedSuffix: "_unencrypted" });
  });

  it("unencrypted_suffix: any key on the path ending with the suffix leaves the subtree clear", () => {
    expect(leaf({}, ["a", "b"])).toBe(true);
    expect(leaf({}, ["a_unencrypted", "b"])).toBe(false);
    expect(leaf({}, ["a", "b_unencrypted"])).toBe(false);
    expect(leaf({ unencryptedSuffix: "_clear" }, ["x_unencrypted"])).toBe(true);
  });

  it("encrypted_suffix: only paths with a key ending in the suffix are encrypted", () => {
    expect(leaf({ encryptedSuffix: "_secret" }, ["db_secret", "password"])).toBe(true);
    expect(leaf({ encryptedSuffix: "_secret" }, ["db", "password"])).toBe(false);
  });

  it("unencrypted_regex: a match on any single key leaves the leaf clear (keys tested one by one, unanchored)", () => {
    expect(leaf({ unencryptedRegex: "^meta" }, ["metadata", "name"])).toBe(false);
    expect(leaf({ unencryptedRegex: "^meta" }, ["spec", "metadata"])).toBe(false);
    expect(leaf({ unencryptedRegex: "^meta" }, ["spec", "value"])).toBe(true);
    expect(leaf({ unencryptedRegex: "a:b" }, ["a", "b"])).toBe(true);
  });

  it("encrypted_regex: a match on an ancestor encrypts the whole subtree; top-level comments stay clear", () => {
    const r = { encryptedRegex: "^(data|stringData)$" };
    expect(leaf(r, ["stringData", "password"])).toBe(true);
    expect(leaf(r, ["data", "nested", "deep"])).toBe(true);
    expect(leaf(r, ["metadata", "name"])).toBe(false);
    expect(leaf(r, [], [["a comment"]], true)).toBe(false);
    expect(leaf({}, [], [["a comment"]], true)).toBe(true);
  });

  it("supports Go RE2 syntax such as (?i) and POSIX classes", () => {
    expect(leaf({ encryptedRegex: "(?i)^PASS" }, ["password"])).toBe(true);
    expect(leaf({ encryptedRegex: "^[[:digit:]]+$" }, ["123"])).toBe(true);
    expect(leaf({ encryptedRegex: "^[[:digit:]]+$" }, ["a1"])).toBe(false);
  });

  it("unencrypted_comment_regex: a matching comment anywhere on the stack leaves values (and itself) clear", () => {
    const r = { unencryptedCommentRegex: "sops:clear" };
    expect(leaf(r, ["a"], [["sops:clear"]])).toBe(false);
    expect(leaf(r, ["a", "b"], [["sops:clear"], []])).toBe(false);
    expect(leaf(r, ["a"], [["other"]])).toBe(true);
    expect(leaf(r, [], [["sops:clear"]], true)).toBe(false);
  });

  it("encrypted_comment_regex: encrypts what follows a matching comment, but not the marker comment itself", () => {
    const r = { encryptedCommentRegex: "sops:enc" };
    expect(leaf(r, ["a"], [["sops:enc"]])).toBe(true);
    expect(leaf(r, ["a"], [[]])).toBe(false);
    expect(leaf(r, [], [["sops:enc"]], true)).toBe(false);
    expect(leaf(r, [], [["sops:enc", "next comment"]], true)).toBe(true);
  });
});
