import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NoMatchingCreationRuleError } from "../../../sops/errors";
import { creationRuleFor, findSopsConfig, loadSopsConfig, parseKeyField, resolveSopsConfigPath } from "../../../sops/sops-config";
import { useTempDir } from "./helpers";

const tempDir = useTempDir();
const R1 = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
const R2 = "age1lggyhqrw2nlhcxprm67z43rta597azn8gknawjehu9d9dl0jq3yqqvfafg";

function writeConfig(dir: string, text: string): string {
  const p = join(dir, ".sops.yaml");
  writeFileSync(p, text);
  return p;
}

describe(".sops.yaml discovery", () => {
  it("walks up the folders; --config and SOPS_CONFIG take precedence; .sops.yml is ignored", () => {
    const dir = tempDir();
    const deep = join(dir, "a", "b", "c");
    mkdirSync(deep, { recursive: true });
    const top = writeConfig(dir, "creation_rules: []\n");
    writeFileSync(join(dir, "a", ".sops.yml"), "creation_rules: []\n");
    expect(findSopsConfig(deep)).toBe(top);
    const mid = writeConfig(join(dir, "a", "b"), "creation_rules: []\n");
    expect(findSopsConfig(deep)).toBe(mid);
    expect(resolveSopsConfigPath({ searchFrom: deep, env: {} })).toBe(mid);
    expect(resolveSopsConfigPath({ searchFrom: deep, env: { SOPS_CONFIG: "/env.yaml" } })).toBe("/env.yaml");
    expect(resolveSopsConfigPath({ searchFrom: deep, configPath: "/flag.yaml", env: { SOPS_CONFIG: "/env.yaml" } })).toBe("/flag.yaml");
  });
});

describe("creation rules", () => {
  it("first matching path_regex wins, matched against the path relative to the config folder", () => {
    const dir = tempDir();
    const cfg = loadSopsConfig(
      writeConfig(
        dir,
        `creation_rules:
  - path_regex: ^talos/
    age: ${R1}
  - path_regex: clusters/.*\\.yaml$
    encrypted_regex: ^(data|stringData)$
    age: "${R1}, ${R2},"
  - age:
      - ${R2}
    mac_only_encrypted: true
`,
      ),
    );
    expect(creationRuleFor(cfg, join(dir, "talos", "x.yaml"))).toEqual({ pathRegex: "^talos/", keyGroups: [[R1]], rules: {} });
    expect(creationRuleFor(cfg, join(dir, "clusters", "c", "s.yaml"))).toEqual({
      pathRegex: "clusters/.*\\.yaml$",
      keyGroups: [[R1, R2]],
      rules: { encryptedRegex: "^(data|stringData)$" },
    });
    expect(creationRuleFor(cfg, join(dir, "other.json"))).toEqual({ keyGroups: [[R2]], rules: { macOnlyEncrypted: true } });
    // a file outside the config folder is matched by its absolute path
    expect(creationRuleFor(cfg, "/elsewhere/talos/x.yaml")?.pathRegex).toBeUndefined();
  });

  it("no match gives sops's error; no creation_rules gives undefined", () => {
    const dir = tempDir();
    const cfg = loadSopsConfig(writeConfig(dir, `creation_rules:\n  - path_regex: \\.env$\n    age: ${R1}\n`));
    expect(() => creationRuleFor(cfg, join(dir, "a.yaml"))).toThrow(NoMatchingCreationRuleError);
    expect(() => creationRuleFor(cfg, join(dir, "a.yaml"))).toThrow(/no matching creation rules found/);
    const empty = loadSopsConfig(writeConfig(tempDir(), "stores:\n  yaml:\n    indent: 2\n"));
    expect(creationRuleFor(empty, "x.yaml")).toBeUndefined();
  });

  it("key_groups with shamir_threshold, merge and comma-separated entries", () => {
    const dir = tempDir();
    const cfg = loadSopsConfig(
      writeConfig(
        dir,
        `creation_rules:
  - shamir_threshold: 2
    age: ignored-when-key-groups-present
    key_groups:
      - age: ["${R1},${R2}"]
      - age: [${R2}]
        merge:
          - age: [${R1}]
`,
      ),
    );
    expect(creationRuleFor(cfg, join(dir, "f.yaml"))).toEqual({ keyGroups: [[R1, R2], [R1, R2]], shamirThreshold: 2, rules: {} });
  });

  it("refuses two encryption rules in one creation rule, and non-age key types", () => {
    const dir = tempDir();
    const two = loadSopsConfig(writeConfig(dir, `creation_rules:\n  - age: ${R1}\n    encrypted_regex: a\n    unencrypted_suffix: b\n`));
    expect(() => creationRuleFor(two, join(dir, "f"))).toThrow(/cannot use more than one of/);
    const pgp = loadSopsConfig(writeConfig(tempDir(), `creation_rules:\n  - pgp: ABCDEF\n`));
    expect(() => creationRuleFor(pgp, "f")).toThrow(/pgp keys, which this implementation does not support/);
  });

  it("parses key fields as sops 3.11: comma string (trimmed, empties dropped) or list", () => {
    expect(parseKeyField(` ${R1} ,, ${R2},`, "age")).toEqual([R1, R2]);
    expect(parseKeyField([R1, R2], "age")).toEqual([R1, R2]);
    expect(parseKeyField(undefined, "age")).toEqual([]);
    expect(() => parseKeyField([1], "age")).toThrow(/invalid age key configuration/);
  });
});
