import { mkdirSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  defaultAgeKeyFilePath,
  ensureDefaultAgeIdentity,
  generateAgeIdentity,
  lookupAgeIdentities,
  loadAgeIdentities,
  parseAgeIdentities,
  recipientOf,
  userConfigDir,
} from "../../../sops/age-identities";
import { splitShellWords } from "../../../sops/shell-words";
import { isolatedEnv, useTempDir } from "./helpers";

const tempDir = useTempDir();

describe("age identity sources (combined as sops 3.11)", () => {
  it("combines SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD and the default keys.txt", async () => {
    const dir = tempDir();
    const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => generateAgeIdentity()));
    const keyFile = join(dir, "file.txt");
    writeFileSync(keyFile, `# a comment\n\n${b.identity}\n`);
    const cmdFile = join(dir, "cmd key.txt");
    writeFileSync(cmdFile, `${c.identity}\r\n`);
    const env = isolatedEnv(dir, { SOPS_AGE_KEY: a.identity, SOPS_AGE_KEY_FILE: keyFile, SOPS_AGE_KEY_CMD: `cat '${cmdFile}'` });
    const defaultPath = defaultAgeKeyFilePath(env);
    expect(defaultPath).toBe(join(dir, "xdg", "sops", "age", "keys.txt"));
    mkdirSync(join(dir, "xdg", "sops", "age"), { recursive: true });
    writeFileSync(defaultPath, `${d.identity}\n`);
    const ids = await loadAgeIdentities(env);
    expect(ids.map((i) => i.secretKey).sort()).toEqual([a, b, c, d].map((x) => x.identity).sort());
    expect(new Set(ids.map((i) => i.source))).toEqual(new Set(["SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD", defaultPath]));
  });

  it("falls back to ~/.config when XDG_CONFIG_HOME is unset, and reports missing sources", async () => {
    const dir = tempDir();
    const env = isolatedEnv(dir);
    delete env.XDG_CONFIG_HOME;
    expect(userConfigDir(env, "linux")).toBe(join(dir, "home", ".config"));
    expect(userConfigDir({ HOME: "/h" }, "darwin")).toBe("/h/Library/Application Support");
    expect(userConfigDir({ HOME: "/h", XDG_CONFIG_HOME: "/x" }, "darwin")).toBe("/x");
    const lookup = await lookupAgeIdentities(env);
    expect(lookup.identities).toEqual([]);
    expect(lookup.unused).toEqual(["SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD", join(dir, "home", ".config", "sops", "age", "keys.txt")]);
  });

  it("keeps the other sources when one fails, and reports the failure", async () => {
    const dir = tempDir();
    const a = await generateAgeIdentity();
    const env = isolatedEnv(dir, { SOPS_AGE_KEY: a.identity, SOPS_AGE_KEY_FILE: join(dir, "missing.txt"), SOPS_AGE_KEY_CMD: "false" });
    const lookup = await lookupAgeIdentities(env);
    expect(lookup.identities.map((i) => i.secretKey)).toEqual([a.identity]);
    expect(lookup.errors.join("\n")).toMatch(/SOPS_AGE_KEY_FILE/);
    expect(lookup.errors.join("\n")).toMatch(/SOPS_AGE_KEY_CMD/);
  });

  it("parses identity files strictly like sops: indented lines and unknown types fail the source", async () => {
    const a = await generateAgeIdentity();
    await expect(parseAgeIdentities(`  ${a.identity}\n`, "X")).rejects.toThrow(/X line 1: unknown identity type/);
    await expect(parseAgeIdentities("AGE-PLUGIN-YUBIKEY-1QQ\n", "X")).rejects.toThrow(/plugin/);
    await expect(parseAgeIdentities("AGE-SECRET-KEY-1QQQ\n", "X")).rejects.toThrow(/malformed/);
    expect(await parseAgeIdentities(`# c\n${a.identity}\n\n`, "X")).toEqual([{ secretKey: a.identity, source: "X" }]);
  });

  it("recipientOf matches generateAgeIdentity", async () => {
    const a = await generateAgeIdentity();
    expect(await recipientOf(a.identity)).toBe(a.recipient);
    await expect(recipientOf("nope")).rejects.toThrow(/not a valid age identity/);
  });

  it("ensureDefaultAgeIdentity creates keys.txt 0600 in a 0700 folder once, then reuses it", async () => {
    const dir = tempDir();
    const env = isolatedEnv(dir);
    const first = await ensureDefaultAgeIdentity(env);
    expect(first.created).toBe(true);
    expect(first.path).toBe(join(dir, "xdg", "sops", "age", "keys.txt"));
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "xdg", "sops", "age")).mode & 0o777).toBe(0o700);
    const text = readFileSync(first.path, "utf8");
    expect(text).toMatch(/^# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n# public key: age1[a-z0-9]+\nAGE-SECRET-KEY-1[A-Z0-9]+\n$/);
    expect(text).toContain(`# public key: ${first.recipient}\n`);
    const second = await ensureDefaultAgeIdentity(env);
    expect(second).toEqual({ ...first, created: false });
    const ids = await loadAgeIdentities(env);
    expect(await recipientOf(ids[0].secretKey)).toBe(first.recipient);
  });
});

describe("SOPS_AGE_KEY_CMD word splitting (google/shlex)", () => {
  it("splits on blanks and honours quotes and escapes", () => {
    expect(splitShellWords(`cat 'a b' "c \\"d\\"" e\\ f  # comment`)).toEqual(["cat", "a b", 'c "d"', "e f"]);
    expect(() => splitShellWords("cat 'oops")).toThrow(/closing quote/);
  });
});
