import { describe, expect, it } from "vitest";
import { InvalidInputError, UnreadableEncryptedFileError } from "../../../sops/errors";
import { storeFor } from "../../../sops/stores/index";
import { branch, int } from "../../../sops/tree";

const yaml = storeFor("yaml");
const b = (s: string): Buffer => Buffer.from(s);

function plainError(text: string): InvalidInputError {
  try {
    yaml.parsePlain(b(text));
  } catch (err) {
    if (err instanceof InvalidInputError) return err;
    throw err;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

describe("YAML duplicate keys (as sops 3.11 reports them)", () => {
  it("reports every pair with yaml.v3's lines, quoted and plain keys alike", () => {
    expect(plainError("a: 1\nb: x\na: 2\n").message).toBe('Error unmarshalling file: yaml: unmarshal errors:\n  line 3: mapping key "a" already defined at line 1');
    expect(plainError('a: 1\n"a": 2\na: 3\n').message).toBe(
      'Error unmarshalling file: yaml: unmarshal errors:\n  line 2: mapping key "a" already defined at line 1\n  line 3: mapping key "a" already defined at line 1\n  line 3: mapping key "a" already defined at line 2',
    );
    expect(plainError("a: 1\nb: 1\na: 2\nb: 3\n").message).toBe(
      'Error unmarshalling file: yaml: unmarshal errors:\n  line 3: mapping key "a" already defined at line 1\n  line 4: mapping key "b" already defined at line 2',
    );
  });

  it("checks nested mappings, but not below a mapping that already has duplicates", () => {
    expect(plainError("x:\n  - {a: 1, a: 2}\n  - {b: 1, b: 2}\n").message).toBe(
      'Error unmarshalling file: yaml: unmarshal errors:\n  line 2: mapping key "a" already defined at line 2\n  line 3: mapping key "b" already defined at line 3',
    );
    expect(plainError("b:\n  c: 1\n  c: 2\na: 1\na: 2\n").message).toBe('Error unmarshalling file: yaml: unmarshal errors:\n  line 5: mapping key "a" already defined at line 4');
    expect(plainError("a: &x {k: 1, k: 2}\nb: *x\n").message).toBe(
      'Error unmarshalling file: yaml: unmarshal errors:\n  line 1: mapping key "k" already defined at line 1\n  line 1: mapping key "k" already defined at line 1',
    );
  });

  it("checks only the first document and keeps duplicates of later ones", () => {
    const t = yaml.parsePlain(b("a: 1\n---\nb: 1\nb: 2\n"));
    expect(t.documents[1]).toEqual(branch([["b", int(1)], ["b", int(2)]]));
  });

  it("checks only the top level and the metadata of an encrypted file (sops exit 1)", () => {
    const meta = "sops:\n    mac: x\n    version: 3.11.0\n";
    expect(() => yaml.parseEncrypted(b(`a: 1\na: 2\n${meta}`))).toThrow(UnreadableEncryptedFileError);
    expect(() => yaml.parseEncrypted(b(`a: 1\na: 2\n${meta}`))).toThrow('Error unmarshalling input yaml: yaml: unmarshal errors:\n  line 2: mapping key "a" already defined at line 1');
    expect(() => yaml.parseEncrypted(b(`a: 1\nsops:\n    mac: x\n    mac: y\n`))).toThrow(/line 4: mapping key "mac" already defined at line 3/);
    const nested = "a:\n    b: 1\n    b: 2\n";
    let err: unknown;
    try {
      yaml.parseEncrypted(b(nested + meta));
    } catch (e) {
      err = e;
    }
    expect(err).not.toBeInstanceOf(UnreadableEncryptedFileError);
  });

  it("stays linear: 20,000 keys parse quickly", () => {
    let text = "";
    for (let i = 0; i < 20_000; i++) text += `key_${i}: v${i}\n`;
    const t0 = performance.now();
    expect(yaml.parsePlain(b(text)).documents[0].items).toHaveLength(20_000);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});
