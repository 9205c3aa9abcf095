import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  AlreadyEncryptedError,
  FileNotFoundError,
  MacMismatchError,
  NoKeyCouldDecryptError,
  NoMatchingCreationRuleError,
  decryptFile,
  decryptText,
  encryptFile,
  encryptText,
  fileStatus,
  generateAgeIdentity,
  parseTreePath,
  readRecipients,
  rotate,
  setValue,
  unsetValue,
  updateKeys,
  valueFromJson,
  editFile,
  FileUnchangedError,
} from "../../../sops/index";
import { isolatedEnv, useTempDir } from "./helpers";

const tempDir = useTempDir();
let keys: Array<{ identity: string; recipient: string }> = [];
const NOW = new Date("2024-05-06T07:08:09Z");

beforeAll(async () => {
  keys = await Promise.all([0, 1, 2, 3].map(() => generateAgeIdentity()));
});

const PLAIN_YAML = `# top comment
db:
    user: admin
    password: s3cret # inline
    port: 5432
    ratio: 1.5
    enabled: true
list:
    - name: a
      value: 1
    - name: b
empty: ""
nothing: null
public_unencrypted: visible
`;

/** The `key: value` line of `key` in an encrypted YAML file. */
const lineOf = (text: string, key: string) => text.split("\n").find((l) => l.trimStart().startsWith(`${key}:`));
const encBlocks = (text: string) => text.split("\n").filter((l) => /^\s+(enc: \||-----|[A-Za-z0-9+/=]{20,}$)/.test(l)).join("\n");

describe("encrypt / decrypt", () => {
  it("round-trips YAML for each of several recipients, leaving _unencrypted, empty and null values in clear", async () => {
    const enc = await encryptText(PLAIN_YAML, { format: "yaml", recipients: [keys[0].recipient, keys[1].recipient], now: NOW });
    expect(lineOf(enc, "public_unencrypted")).toBe("public_unencrypted: visible");
    expect(lineOf(enc, "password")).toMatch(/ENC\[AES256_GCM,.*type:str\]/);
    expect(lineOf(enc, "port")).toMatch(/type:int\]/);
    expect(lineOf(enc, "empty")).toBe('empty: ""');
    expect(enc).toContain('lastmodified: "2024-05-06T07:08:09Z"');
    expect(readRecipients(enc, "yaml")).toEqual([keys[0].recipient, keys[1].recipient]);
    for (const k of keys.slice(0, 2)) {
      const plain = await decryptText(enc, { format: "yaml", identities: [k.identity] });
      expect(plain).toContain("password: s3cret");
      expect(plain).toContain("public_unencrypted: visible");
      expect(plain).toContain("port: 5432");
    }
  });

  it("round-trips JSON, dotenv and binary", async () => {
    const cases: Array<[("json" | "dotenv" | "binary"), string]> = [
      ["json", '{\n\t"a": "x",\n\t"n": 2,\n\t"nested": {\n\t\t"b": [\n\t\t\ttrue\n\t\t]\n\t}\n}\n'],
      ["dotenv", "A=1\nB=two words\n"],
      ["binary", "\u0000\u0001 any bytes \u00ff"],
    ];
    for (const [format, text] of cases) {
      const enc = await encryptText(text, { format, recipients: [keys[0].recipient] });
      expect(enc).not.toContain(format === "dotenv" ? "two words" : "any bytes");
      expect(await decryptText(enc, { format, identities: [keys[0].identity] })).toBe(text);
    }
    const bin = await encryptText("x", { format: "binary", recipients: [keys[0].recipient] });
    expect(bin).not.toContain("unencrypted_suffix");
  });

  it("refuses input that is already encrypted (exit 203)", async () => {
    const enc = await encryptText("a: 1\n", { format: "yaml", recipients: [keys[0].recipient] });
    const err = await encryptText(enc, { format: "yaml", recipients: [keys[0].recipient] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlreadyEncryptedError);
    expect((err as AlreadyEncryptedError).exitCode).toBe(203);
  });

  it("a wrong key fails with exit 128, naming every recipient tried", async () => {
    const enc = await encryptText("a: 1\n", { format: "yaml", recipients: [keys[0].recipient, keys[1].recipient] });
    const err = (await decryptText(enc, { format: "yaml", identities: [keys[2].identity] }).catch((e: unknown) => e)) as NoKeyCouldDecryptError;
    expect(err).toBeInstanceOf(NoKeyCouldDecryptError);
    expect(err.exitCode).toBe(128);
    expect(err.message).toContain("Failed to get the data key required to decrypt the SOPS file.");
    expect(err.message).toContain(`${keys[0].recipient}: FAILED`);
    expect(err.message).toContain(`${keys[1].recipient}: FAILED`);
  });

  it("without identities anywhere, says which locations were searched (exit 128)", async () => {
    const dir = tempDir();
    const enc = await encryptText("a: 1\n", { format: "yaml", recipients: [keys[0].recipient] });
    const err = (await decryptText(enc, { format: "yaml", env: isolatedEnv(dir) }).catch((e: unknown) => e)) as NoKeyCouldDecryptError;
    expect(err.exitCode).toBe(128);
    expect(err.message).toMatch(/failed to load age identities.*SOPS_AGE_KEY.*SOPS_AGE_KEY_FILE.*keys\.txt/s);
  });

  it("uses SOPS_AGE_KEY_FILE from the environment", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "k.txt"), `${keys[3].identity}\n`);
    const enc = await encryptText("a: 1\n", { format: "yaml", recipients: [keys[3].recipient] });
    expect(await decryptText(enc, { format: "yaml", env: isolatedEnv(dir, { SOPS_AGE_KEY_FILE: join(dir, "k.txt") }) })).toBe("a: 1\n");
  });

  it("a tampered clear value fails the MAC (exit 51) unless --ignore-mac", async () => {
    const enc = await encryptText("a: secret\nb_unencrypted: clear\n", { format: "yaml", recipients: [keys[0].recipient] });
    const tampered = enc.replace("b_unencrypted: clear", "b_unencrypted: clean");
    const err = (await decryptText(tampered, { format: "yaml", identities: [keys[0].identity] }).catch((e: unknown) => e)) as MacMismatchError;
    expect(err).toBeInstanceOf(MacMismatchError);
    expect(err.exitCode).toBe(51);
    expect(await decryptText(tampered, { format: "yaml", identities: [keys[0].identity], ignoreMac: true })).toContain("b_unencrypted: clean");
  });

  it("Shamir key groups: any threshold of groups decrypts, fewer fails with the threshold message", async () => {
    const enc = await encryptText("a: 1\n", { format: "yaml", keyGroups: [[keys[0].recipient], [keys[1].recipient], [keys[2].recipient, keys[3].recipient]], shamirThreshold: 2 });
    expect(enc).toContain("shamir_threshold: 2");
    expect(enc).toContain("key_groups:");
    expect(await decryptText(enc, { format: "yaml", identities: [keys[0].identity, keys[3].identity] })).toBe("a: 1\n");
    expect(await decryptText(enc, { format: "yaml", identities: [keys[1].identity, keys[2].identity] })).toBe("a: 1\n");
    const err = (await decryptText(enc, { format: "yaml", identities: [keys[2].identity] }).catch((e: unknown) => e)) as NoKeyCouldDecryptError;
    expect(err.exitCode).toBe(128);
    expect(err.message).toContain("Shamir threshold of 2, but only 1 part(s) were successfully recovered");
    expect(err.message).toMatch(/Group 2: SUCCESS/);
  });

  it("refuses a threshold larger than the number of groups", async () => {
    await expect(encryptText("a: 1\n", { format: "yaml", keyGroups: [[keys[0].recipient], [keys[1].recipient]], shamirThreshold: 3 })).rejects.toThrow(/larger than the number of key groups/);
  });
});

describe(".sops.yaml creation rules in operations", () => {
  it("applies the matching rule (Kubernetes Secret with encrypted_regex) and reports no match", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, ".sops.yaml"),
      `creation_rules:\n  - path_regex: clusters/.*\\.yaml$\n    encrypted_regex: ^(data|stringData)$\n    age: ${keys[0].recipient},${keys[1].recipient}\n`,
    );
    const secret = "apiVersion: v1\nkind: Secret\nmetadata:\n    name: s\nstringData:\n    token: abc\n";
    const enc = await encryptText(secret, { format: "yaml", filePath: join(dir, "clusters", "x", "s.yaml") });
    expect(lineOf(enc, "kind")).toBe("kind: Secret");
    expect(lineOf(enc, "token")).toMatch(/ENC\[/);
    expect(enc).toContain("encrypted_regex: ^(data|stringData)$");
    expect(readRecipients(enc, "yaml")).toEqual([keys[0].recipient, keys[1].recipient]);
    const err = (await encryptText(secret, { format: "yaml", filePath: join(dir, "other.yaml") }).catch((e: unknown) => e)) as NoMatchingCreationRuleError;
    expect(err).toBeInstanceOf(NoMatchingCreationRuleError);
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain("no matching creation rules found");
  });

  it("without config and keys: sops's message, exit 1", async () => {
    const dir = tempDir();
    const err = (await encryptText("a: 1\n", { format: "yaml", filePath: join(dir, "f.yaml"), env: {} }).catch((e: unknown) => e)) as { exitCode: number; message: string };
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain("no keys provided through command line options");
  });
});

describe("file operations", () => {
  async function encryptedFile(dir: string, text = PLAIN_YAML, name = "f.yaml"): Promise<string> {
    const p = join(dir, name);
    writeFileSync(p, await encryptText(text, { format: "yaml", recipients: [keys[0].recipient], now: NOW }));
    return p;
  }
  const ids = () => [keys[0].identity];

  it("encryptFile/decryptFile: missing file is exit 100; output written atomically with 0600 for plaintext", async () => {
    const dir = tempDir();
    const err = (await encryptFile(join(dir, "missing.yaml"), { format: "yaml", recipients: [keys[0].recipient] }).catch((e: unknown) => e)) as FileNotFoundError;
    expect(err).toBeInstanceOf(FileNotFoundError);
    expect(err.exitCode).toBe(100);
    const p = await encryptedFile(dir);
    await decryptFile(p, { identities: ids(), output: { path: join(dir, "plain.yaml") } });
    expect(statSync(join(dir, "plain.yaml")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, "plain.yaml"), "utf8")).toContain("password: s3cret");
    expect((await decryptFile(p, { identities: ids(), extract: parseTreePath('["db"]["password"]') })).toString()).toBe("s3cret");
    expect((await decryptFile(p, { identities: ids(), extract: parseTreePath('["db"]["port"]') })).toString()).toBe("5432\n");
    expect((await decryptFile(p, { identities: ids(), extract: parseTreePath('["list"][0]') })).toString()).toBe("name: a\nvalue: 1\n");
    await expect(decryptFile(p, { identities: ids(), extract: parseTreePath('["nope"]') })).rejects.toThrow(/component \['nope'\] not found/);
  });

  it("set: JSON value (numbers become floats), same data key, idempotent skips the write", async () => {
    const dir = tempDir();
    const p = await encryptedFile(dir);
    const before = readFileSync(p, "utf8");
    expect((await setValue(p, parseTreePath('["db"]["port"]'), valueFromJson("6543"), { identities: ids() })).changed).toBe(true);
    const after = readFileSync(p, "utf8");
    expect(lineOf(after, "port")).toMatch(/type:float\]/);
    expect(encBlocks(after)).toBe(encBlocks(before));
    expect(lineOf(after, "password")).toBe(lineOf(before, "password"));
    expect(lineOf(after, "user")).toBe(lineOf(before, "user"));
    expect(await decryptText(after, { format: "yaml", identities: ids() })).toContain("port: 6543");
    await setValue(p, parseTreePath('["new"]["deep"][0]'), valueFromJson('{"k":"v"}'), { identities: ids() });
    expect(await decryptText(readFileSync(p), { format: "yaml", identities: ids() })).toMatch(/new:\n {4}deep:\n {8}- k: v\n/);
    const snapshot = readFileSync(p, "utf8");
    expect((await setValue(p, parseTreePath('["db"]["user"]'), valueFromJson('"admin"'), { identities: ids(), idempotent: true })).changed).toBe(false);
    expect(readFileSync(p, "utf8")).toBe(snapshot);
    expect(() => valueFromJson("{not json")).toThrow(expect.objectContaining({ exitCode: 7 }));
  });

  it("unset removes a key; missing keys fail unless idempotent", async () => {
    const dir = tempDir();
    const p = await encryptedFile(dir);
    await unsetValue(p, parseTreePath('["db"]["password"]'), { identities: ids() });
    const plain = await decryptText(readFileSync(p), { format: "yaml", identities: ids() });
    expect(plain).not.toContain("password");
    await expect(unsetValue(p, parseTreePath('["db"]["password"]'), { identities: ids() })).rejects.toThrow(/Key not found: password/);
    expect((await unsetValue(p, parseTreePath('["db"]["password"]'), { identities: ids(), idempotent: true })).changed).toBe(false);
  });

  it("a failed operation writes nothing (wrong key on set)", async () => {
    const dir = tempDir();
    const p = await encryptedFile(dir);
    const before = readFileSync(p, "utf8");
    await expect(setValue(p, parseTreePath('["a"]'), valueFromJson("1"), { identities: [keys[2].identity] })).rejects.toThrow(NoKeyCouldDecryptError);
    expect(readFileSync(p, "utf8")).toBe(before);
    expect(readdirSync(dir)).toEqual(["f.yaml"]);
  });

  it("edit: unchanged is exit 200 and leaves the file alone; a change keeps the data key and unchanged ciphertexts", async () => {
    const dir = tempDir();
    const p = await encryptedFile(dir);
    const before = readFileSync(p, "utf8");
    const log = join(dir, "mode.log");
    const noop = `sh -c 'stat -c %a "$1" > ${log}' editor`;
    const err = (await editFile(p, { identities: ids(), editor: noop }).catch((e: unknown) => e)) as FileUnchangedError;
    expect(err).toBeInstanceOf(FileUnchangedError);
    expect(err.exitCode).toBe(200);
    expect(readFileSync(log, "utf8").trim()).toBe("600");
    expect(readFileSync(p, "utf8")).toBe(before);
    await editFile(p, { identities: ids(), editor: `sed -i s/admin/root/` });
    const after = readFileSync(p, "utf8");
    expect(lineOf(after, "user")).not.toBe(lineOf(before, "user"));
    expect(lineOf(after, "password")).toBe(lineOf(before, "password"));
    expect(encBlocks(after)).toBe(encBlocks(before));
    expect(await decryptText(after, { format: "yaml", identities: ids() })).toContain("user: root");
    expect(readdirSync(dir).sort()).toEqual(["f.yaml", "mode.log"]);
  });

  it("updatekeys re-wraps the same data key for the rule's keys; values, MAC and lastmodified untouched", async () => {
    const dir = tempDir();
    const p = await encryptedFile(dir);
    const before = readFileSync(p, "utf8");
    writeFileSync(join(dir, ".sops.yaml"), `creation_rules:\n  - age: ${keys[0].recipient},${keys[1].recipient}\n`);
    const plan = await updateKeys(p, { identities: ids(), configSearchFrom: dir });
    expect(plan.changed).toBe(true);
    expect(plan.diffs).toEqual([{ added: [keys[1].recipient], removed: [] }]);
    const after = readFileSync(p, "utf8");
    for (const key of ["password", "user", "mac", "lastmodified", "version"]) expect(lineOf(after, key)).toBe(lineOf(before, key));
    expect(await decryptText(after, { format: "yaml", identities: [keys[1].identity] })).toContain("password: s3cret");
    expect((await updateKeys(p, { identities: ids(), configSearchFrom: dir })).changed).toBe(false);
    await expect(updateKeys(p, { identities: ids(), configSearchFrom: tempDir(), env: {} })).rejects.toThrow(/config file not found/);
  });

  it("rotate makes a new data key: every ciphertext changes, the plaintext does not; --add-age/--rm-age", async () => {
    const dir = tempDir();
    const p = await encryptedFile(dir);
    const before = readFileSync(p, "utf8");
    const out = (await rotate(p, { identities: ids(), addAge: [keys[2].recipient], rmAge: [keys[0].recipient] })).toString();
    expect(readFileSync(p, "utf8")).toBe(before);
    expect(lineOf(out, "password")).not.toBe(lineOf(before, "password"));
    expect(readRecipients(out, "yaml")).toEqual([keys[2].recipient]);
    expect(await decryptText(out, { format: "yaml", identities: [keys[2].identity] })).toBe(await decryptText(before, { format: "yaml", identities: ids() }));
    await expect(decryptText(out, { format: "yaml", identities: ids() })).rejects.toThrow(NoKeyCouldDecryptError);
  });

  it("filestatus", async () => {
    const dir = tempDir();
    const p = await encryptedFile(dir);
    writeFileSync(join(dir, "plain.yaml"), "a: 1\n");
    expect(await fileStatus(p)).toEqual({ encrypted: true });
    expect(await fileStatus(join(dir, "plain.yaml"))).toEqual({ encrypted: false });
  });
});
