/**
 * Our SOPS layer against the real sops 3.11 and age: both directions for every store and rule, key groups, updatekeys
 * and rotate across implementations, and the Flux path (YAML Secret converted to JSON, decrypted by the JSON store).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import {
  decryptText,
  encryptText,
  readRecipients,
  rotate,
  updateKeys,
  type StoreFormat,
} from "../../sops/index";
import { requireTool, runTool } from "./helpers/tools";

let sops = "";
let age = "";
let work = "";
const ids: Array<{ identity: string; recipient: string; file: string }> = [];

function keygen(n: number): { identity: string; recipient: string; file: string } {
  const file = join(work, `key${n}.txt`);
  const r = runTool(requireTool("age-keygen"), ["-o", file]);
  expect(r.code, r.stderr).toBe(0);
  const text = readFileSync(file, "utf8");
  return { identity: text.split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1")) as string, recipient: /public key: (age1\S+)/.exec(text)![1], file };
}

/** Runs the real sops in `dir` with only the given key file(s) as identities. */
function runSops(dir: string, args: string[], keyFiles: string[] = [ids[0].file], input?: string) {
  const keyText = keyFiles.map((f) => readFileSync(f, "utf8")).join("\n");
  return runTool(sops, args, { cwd: dir, input, env: { SOPS_AGE_KEY: keyText, SOPS_AGE_KEY_FILE: "", HOME: join(work, "home"), XDG_CONFIG_HOME: join(work, "xdg") } });
}

function sopsOk(dir: string, args: string[], keyFiles?: string[], input?: string): string {
  const r = runSops(dir, args, keyFiles, input);
  expect(r.code, `sops ${args.join(" ")} failed: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** The data of a document, parsed (YAML streams as a list of documents). */
function data(text: string, format: StoreFormat): unknown {
  if (format === "yaml") return parseAllDocuments(text).map((d) => d.toJSON());
  if (format === "json") return JSON.parse(text);
  return text;
}

function fresh(name: string, config?: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  if (config !== undefined) writeFileSync(join(dir, ".sops.yaml"), config);
  return dir;
}

beforeAll(() => {
  sops = requireTool("sops");
  age = requireTool("age");
  work = mkdtempSync(join(tmpdir(), "sops-compat-"));
  for (let i = 0; i < 4; i++) ids.push(keygen(i));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const RICH_YAML = `# a top comment
app:
    # the database
    db:
        user: admin
        password: "p@ss: wörd ✓"
        port: 5432
        ratio: 0.25
        big: 1e6
        enabled: true
        disabled: False
        created: 2024-01-01
        at: 2024-01-01T10:00:00+02:00
    servers:
        - name: a
          weight: 1
        - name: b
          tags: [x, y]
    empty: ""
    nothing: null
    tilde: ~
    quoted_number: "0755"
unicode: "日本語 — ünïcödé 🚀"
multiline: |
    line one
    line two
api_unencrypted: not-secret
nested_unencrypted:
    keep: 42
`;

const CASES: Array<{ name: string; format: StoreFormat; ext: string; text: string }> = [
  { name: "rich YAML", format: "yaml", ext: "yaml", text: RICH_YAML },
  { name: "multi-document YAML", format: "yaml", ext: "yaml", text: "a: 1\nb: two\n---\nc:\n    - d: true\n---\ne: 2.5\n" },
  { name: "JSON", format: "json", ext: "json", text: '{\n\t"a": "x<y>&z",\n\t"n": 3,\n\t"f": 1.5,\n\t"t": true,\n\t"z": null,\n\t"list": [\n\t\t{\n\t\t\t"k": "v"\n\t\t},\n\t\t2\n\t],\n\t"e": "",\n\t"10": "numeric key",\n\t"1": "order kept"\n}\n' },
  { name: "dotenv", format: "dotenv", ext: "env", text: "DB_USER=admin\nDB_PASS=s3cret=with=equals\n# a comment\nEMPTY=\nURL=https://example.com/?a=1\n" },
  { name: "binary", format: "binary", ext: "bin", text: "\u0000binary\u0001payload\n\u00ff" },
];

describe("sops 3.11 <-> ours, every store", () => {
  for (const c of CASES) {
    it(`${c.name}: sops -d reads ours, we read sops -e, both to the same data`, async () => {
      const dir = fresh(c.name.replace(/\W+/g, "-"));
      const plainPath = join(dir, `plain.${c.ext}`);
      writeFileSync(plainPath, c.text, c.format === "binary" ? "latin1" : "utf8");
      const plainBytes = readFileSync(plainPath);

      // sops's own round trip is the reference (it normalises, e.g. a YAML date becomes 2024-01-01T00:00:00Z)
      const theirs = sopsOk(dir, ["encrypt", "--age", `${ids[0].recipient},${ids[1].recipient}`, `plain.${c.ext}`]);
      writeFileSync(join(dir, `theirs.${c.ext}`), theirs);
      const reference = runSops(dir, ["decrypt", `theirs.${c.ext}`]).stdout;

      const ours = await encryptText(plainBytes, { format: c.format, recipients: [ids[0].recipient, ids[1].recipient] });
      writeFileSync(join(dir, `ours.${c.ext}`), ours);
      for (const k of [ids[0], ids[1]]) {
        const r = runSops(dir, ["decrypt", `ours.${c.ext}`], [k.file]);
        expect(r.code, r.stderr).toBe(0);
        if (c.format === "binary") expect(r.stdout).toBe(reference);
        else expect(data(r.stdout, c.format)).toEqual(data(reference, c.format));
      }

      const ourDecrypt = await decryptText(theirs, { format: c.format, identities: [ids[1].identity] });
      if (c.format === "binary") {
        expect(Buffer.from(ourDecrypt, "utf8")).toEqual(Buffer.from(reference, "utf8"));
        expect(Buffer.from(await decryptText(theirs, { format: c.format, identities: [ids[1].identity] }))).toEqual(Buffer.from(plainBytes.toString("utf8")));
      } else {
        expect(data(ourDecrypt, c.format)).toEqual(data(reference, c.format));
      }
    });
  }

  it("our YAML decrypts through sops to byte-identical plaintext as sops's own round trip", async () => {
    const dir = fresh("bytes");
    writeFileSync(join(dir, "p.yaml"), RICH_YAML);
    writeFileSync(join(dir, "ours.yaml"), await encryptText(RICH_YAML, { format: "yaml", recipients: [ids[0].recipient] }));
    const theirs = sopsOk(dir, ["encrypt", "--age", ids[0].recipient, "p.yaml"]);
    writeFileSync(join(dir, "theirs.yaml"), theirs);
    expect(sopsOk(dir, ["decrypt", "ours.yaml"])).toBe(sopsOk(dir, ["decrypt", "theirs.yaml"]));
    expect(await decryptText(theirs, { format: "yaml", identities: [ids[0].identity] })).toBe(sopsOk(dir, ["decrypt", "theirs.yaml"]));
  });

  it("the real age decrypts our wrapped data key to 32 bytes", async () => {
    const ours = await encryptText("a: 1\n", { format: "yaml", recipients: [ids[2].recipient] });
    const enc = (parse(ours) as { sops: { age: Array<{ enc: string }> } }).sops.age[0].enc;
    const out = join(work, "datakey.bin");
    const r = runTool(age, ["-d", "-i", ids[2].file, "-o", out], { input: enc });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out).length).toBe(32);
  });
});

describe("rules and key groups across implementations", () => {
  const SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n    name: app\n    namespace: default\ntype: Opaque\nstringData:\n    token: abc123\n    port: \"8080\"\ndata:\n    key: c2VjcmV0\n";

  it("Kubernetes Secret with encrypted_regex from .sops.yaml: both directions; Flux's YAML->JSON path", async () => {
    const dir = fresh("k8s", `creation_rules:\n  - path_regex: \\.yaml$\n    encrypted_regex: ^(data|stringData)$\n    age: ${ids[0].recipient}\n`);
    writeFileSync(join(dir, "secret.yaml"), SECRET);
    const ours = await encryptText(SECRET, { format: "yaml", filePath: join(dir, "secret.yaml") });
    expect(ours).toContain("kind: Secret");
    expect(ours).toContain("encrypted_regex: ^(data|stringData)$");
    writeFileSync(join(dir, "ours.yaml"), ours);
    expect(data(sopsOk(dir, ["decrypt", "ours.yaml"]), "yaml")).toEqual(data(SECRET, "yaml"));
    const theirs = sopsOk(dir, ["encrypt", "secret.yaml"]);
    expect(data(await decryptText(theirs, { format: "yaml", identities: [ids[0].identity] }), "yaml")).toEqual(data(SECRET, "yaml"));
    // kustomize-controller: the manifest as JSON, decrypted with the JSON store
    writeFileSync(join(dir, "ours.json"), JSON.stringify(parse(ours), null, "\t") + "\n");
    const viaJson = sopsOk(dir, ["decrypt", "--input-type", "json", "--output-type", "json", "ours.json"]);
    expect(JSON.parse(viaJson)).toEqual(parse(SECRET));
  });

  it("mac_only_encrypted: both directions", async () => {
    const dir = fresh("maconly", `creation_rules:\n  - encrypted_regex: ^secret$\n    mac_only_encrypted: true\n    age: ${ids[0].recipient}\n`);
    const text = "secret: s\npublic: p\nn: 1\n";
    writeFileSync(join(dir, "p.yaml"), text);
    const ours = await encryptText(text, { format: "yaml", filePath: join(dir, "p.yaml") });
    expect(ours).toContain("mac_only_encrypted: true");
    writeFileSync(join(dir, "ours.yaml"), ours);
    expect(data(sopsOk(dir, ["decrypt", "ours.yaml"]), "yaml")).toEqual(data(text, "yaml"));
    // a clear value may change without breaking the MAC
    writeFileSync(join(dir, "ours2.yaml"), ours.replace("public: p", "public: q"));
    expect(data(sopsOk(dir, ["decrypt", "ours2.yaml"]), "yaml")).toEqual(data(text.replace("public: p", "public: q"), "yaml"));
    const theirs = sopsOk(dir, ["encrypt", "p.yaml"]);
    expect(data(await decryptText(theirs, { format: "yaml", identities: [ids[0].identity] }), "yaml")).toEqual(data(text, "yaml"));
  });

  it("Shamir key groups (3 groups, threshold 2): both directions, any two groups suffice", async () => {
    const groups = `    shamir_threshold: 2\n    key_groups:\n      - age: [${ids[0].recipient}]\n      - age: [${ids[1].recipient}]\n      - age: [${ids[2].recipient}, ${ids[3].recipient}]\n`;
    const dir = fresh("shamir", `creation_rules:\n  - path_regex: ""\n${groups}`);
    const text = "a: secret\nb: 2\n";
    writeFileSync(join(dir, "p.yaml"), text);
    const ours = await encryptText(text, { format: "yaml", filePath: join(dir, "p.yaml") });
    writeFileSync(join(dir, "ours.yaml"), ours);
    expect(sopsOk(dir, ["decrypt", "ours.yaml"], [ids[0].file, ids[3].file])).toBe(text);
    expect(runSops(dir, ["decrypt", "ours.yaml"], [ids[3].file]).code).toBe(128);
    const theirs = sopsOk(dir, ["encrypt", "p.yaml"]);
    expect(await decryptText(theirs, { format: "yaml", identities: [ids[1].identity, ids[2].identity] })).toBe(text);
    await expect(decryptText(theirs, { format: "yaml", identities: [ids[1].identity] })).rejects.toMatchObject({ exitCode: 128 });
  });
});

describe("updatekeys and rotate across implementations", () => {
  const text = "a: secret\nlist:\n    - x: 1\n";

  it("sops updatekeys and rotate on our file; ours on theirs", async () => {
    const dir = fresh("keys", `creation_rules:\n  - age: ${ids[0].recipient}\n`);
    writeFileSync(join(dir, "p.yaml"), text);
    writeFileSync(join(dir, "ours.yaml"), await encryptText(text, { format: "yaml", filePath: join(dir, "p.yaml") }));
    writeFileSync(join(dir, "theirs.yaml"), sopsOk(dir, ["encrypt", "p.yaml"]));
    writeFileSync(join(dir, ".sops.yaml"), `creation_rules:\n  - age: ${ids[0].recipient},${ids[1].recipient}\n`);

    // sops updatekeys / rotate on ours
    sopsOk(dir, ["updatekeys", "-y", "ours.yaml"]);
    const ours = readFileSync(join(dir, "ours.yaml"), "utf8");
    expect(readRecipients(ours, "yaml")).toEqual([ids[0].recipient, ids[1].recipient]);
    expect(await decryptText(ours, { format: "yaml", identities: [ids[1].identity] })).toBe(text);
    const rotated = sopsOk(dir, ["rotate", "--add-age", ids[2].recipient, "ours.yaml"]);
    expect(await decryptText(rotated, { format: "yaml", identities: [ids[2].identity] })).toBe(text);

    // ours on theirs
    const plan = await updateKeys(join(dir, "theirs.yaml"), { identities: [ids[0].identity], configSearchFrom: dir });
    expect(plan.changed).toBe(true);
    expect(sopsOk(dir, ["decrypt", "theirs.yaml"], [ids[1].file])).toBe(text);
    const ourRotate = (await rotate(join(dir, "theirs.yaml"), { identities: [ids[1].identity], addAge: [ids[3].recipient] })).toString();
    writeFileSync(join(dir, "theirs-rotated.yaml"), ourRotate);
    expect(sopsOk(dir, ["decrypt", "theirs-rotated.yaml"], [ids[3].file])).toBe(text);
    // sops agrees that both files are now up to date with the config
    const again = runSops(dir, ["updatekeys", "-y", "theirs.yaml"]);
    expect(again.code).toBe(0);
    expect(again.stderr + again.stdout).toContain("already up to date");
  });
});
