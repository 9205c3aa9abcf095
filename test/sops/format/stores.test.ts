import { describe, expect, it } from "vitest";
import { AlreadyEncryptedError, EmptyDocumentError, InvalidInputError, MetadataNotFoundError, UnsupportedFormatError } from "../../../sops/errors";
import { SOPS_FORMAT_VERSION, SopsMetadata } from "../../../sops/metadata";
import { formatFromPath, storeFor } from "../../../sops/stores/index";
import { branch, comment, float, int, nil, sequence, str } from "../../../sops/tree";

const meta: SopsMetadata = {
  keyGroups: [{ age: [{ recipient: "age1abc", enc: "-----BEGIN AGE ENCRYPTED FILE-----\nQUJD\n-----END AGE ENCRYPTED FILE-----\n" }], other: [] }],
  lastmodified: "2024-11-12T13:33:42Z",
  mac: "ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]",
  unencryptedSuffix: "_unencrypted",
  version: SOPS_FORMAT_VERSION,
};
const yaml = storeFor("yaml");
const json = storeFor("json");
const dotenv = storeFor("dotenv");
const binary = storeFor("binary");
const b = (s: string): Buffer => Buffer.from(s);

describe("format selection", () => {
  it("picks the store by extension, binary otherwise, and refuses INI", () => {
    expect(formatFromPath("a/secrets.sops.yaml")).toBe("yaml");
    expect(formatFromPath("x.yml")).toBe("yaml");
    expect(formatFromPath("x.json")).toBe("json");
    expect(formatFromPath(".env")).toBe("dotenv");
    expect(formatFromPath("prod.env")).toBe("dotenv");
    expect(formatFromPath("key.pem")).toBe("binary");
    expect(() => formatFromPath("conf.ini")).toThrow(UnsupportedFormatError);
    expect(() => formatFromPath("conf.ini")).toThrow(/INI files are not supported \(conf\.ini\)/);
  });
});

describe("YAML store", () => {
  it("keeps key order, types scalars as yaml.v3 and writes 4-space block style", () => {
    const t = yaml.parsePlain(b("z: 1\na: [x, 'y']\nm:\n  k: 0755\n"));
    expect(t.documents[0]).toEqual(branch([["z", int(1)], ["a", sequence([str("x"), str("y")])], ["m", branch([["k", int(493)]])]]));
    expect(yaml.emitPlain(t).toString()).toBe('z: 1\na:\n    - x\n    - "y"\nm:\n    k: 493\n');
  });

  it("quotes strings that would read back as another type, and uses literal blocks for multi-line strings", () => {
    const t = { documents: [branch([["a", str("yes")], ["b", str("1_000")], ["c", str("")], ["d", str("x: y")], ["e", str("l1\nl2\n")], ["f", str("l1\nl2")], ["g", str(" lead")], ["h", str("tab\there")], ["i", float(1e6)], ["j", nil()], ["k", str("#x")]])] };
    const out = yaml.emitPlain(t).toString();
    expect(out).toBe('a: "yes"\nb: "1_000"\nc: ""\nd: \'x: y\'\ne: |\n    l1\n    l2\nf: |-\n    l1\n    l2\ng: \' lead\'\nh: "tab\\there"\ni: 1e+06\nj: null\nk: \'#x\'\n');
    expect(yaml.parsePlain(b(out))).toEqual({ documents: [branch([["a", str("yes")], ["b", str("1_000")], ["c", str("")], ["d", str("x: y")], ["e", str("l1\nl2\n")], ["f", str("l1\nl2")], ["g", str(" lead")], ["h", str("tab\there")], ["i", float(1e6)], ["j", nil()], ["k", str("#x")]])] });
  });

  it("turns comments into items at their level; line comments move above their entry", () => {
    const src = "# head\na: 1 # line\nb:\n    # inner\n    c: 2\n    # end of b\n# before d\nd: 3\n";
    const t = yaml.parsePlain(b(src));
    expect(t.documents[0]).toEqual(branch([
      comment(" head"), comment(" line"), ["a", int(1)],
      ["b", branch([comment(" inner"), ["c", int(2)], comment(" end of b")])],
      comment(" before d"), ["d", int(3)],
    ]));
    expect(yaml.emitPlain(t).toString()).toBe("# head\n# line\na: 1\nb:\n    # inner\n    c: 2\n    # end of b\n# before d\nd: 3\n");
  });

  it("reads and writes multi-document streams, appending sops to every document", () => {
    const t = yaml.parsePlain(b("a: 1\n---\nb: 2\n"));
    expect(t.documents).toHaveLength(2);
    const out = yaml.emitEncrypted(t, meta).toString();
    expect(out.match(/^---$/gm)).toHaveLength(1);
    expect(out.match(/^sops:$/gm)).toHaveLength(2);
    const back = yaml.parseEncrypted(b(out));
    expect(back.tree).toEqual(t);
    expect(back.metadata).toEqual(meta);
  });

  it("writes the metadata block like sops 3.11", () => {
    const out = yaml.emitEncrypted({ documents: [branch([["a", str("x")]])] }, meta).toString();
    expect(out).toBe(
      "a: x\nsops:\n    age:\n        - recipient: age1abc\n          enc: |\n            -----BEGIN AGE ENCRYPTED FILE-----\n            QUJD\n            -----END AGE ENCRYPTED FILE-----\n" +
        '    lastmodified: "2024-11-12T13:33:42Z"\n    mac: ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]\n    unencrypted_suffix: _unencrypted\n    version: 3.11.0\n',
    );
  });

  it("writes several key groups under key_groups with shamir_threshold first", () => {
    const m: SopsMetadata = { ...meta, shamirThreshold: 2, keyGroups: [meta.keyGroups[0], { age: [], other: [{ type: "pgp", created_at: "2024-01-01T00:00:00Z", enc: "x", fp: "ABC" }] }] };
    const out = yaml.emitEncrypted({ documents: [branch([["a", str("x")]])] }, m).toString();
    expect(out).toContain("sops:\n    shamir_threshold: 2\n    key_groups:\n        - hc_vault: []\n          age:\n");
    expect(out).toContain("        - pgp:\n            - created_at: \"2024-01-01T00:00:00Z\"\n              enc: x\n              fp: ABC\n          hc_vault: []\n          age: []\n");
    expect(yaml.parseEncrypted(Buffer.from(out)).metadata).toEqual(m);
  });

  it("refuses documents that are not mappings, non-string keys, duplicate keys, empty files, and existing sops keys", () => {
    expect(() => yaml.parsePlain(b("- a\n"))).toThrow(/sequences are not supported/);
    expect(() => yaml.parsePlain(b("1: a\n"))).toThrow(/non-string key/);
    expect(() => yaml.parsePlain(b("a: 1\na: 2\n"))).toThrow(InvalidInputError);
    expect(() => yaml.parsePlain(b(""))).toThrow(EmptyDocumentError);
    expect(() => yaml.parsePlain(b("sops: x\n"))).toThrow(AlreadyEncryptedError);
    expect(() => yaml.parseEncrypted(b("a: 1\n"))).toThrow(MetadataNotFoundError);
    expect(() => yaml.parsePlain(b("a: 18446744073709551615\n"))).toThrow(/uint64/);
  });

  it("expands aliases and keeps << as a plain key", () => {
    const t = yaml.parsePlain(b("base: &b\n    x: 1\nother:\n    <<: *b\n"));
    expect(t.documents[0]).toEqual(branch([["base", branch([["x", int(1)]])], ["other", branch([["<<", branch([["x", int(1)]])]])]]));
  });
});

describe("JSON store", () => {
  it("keeps key order (also integer-like keys) and duplicates, reads numbers as float64", () => {
    const t = json.parsePlain(b('{"b": 1, "10": 2, "2": [true, null, "x"], "b": 3.5}'));
    expect(t.documents[0]).toEqual(branch([["b", float(1)], ["10", float(2)], ["2", sequence([{ kind: "bool", value: true }, nil(), str("x")])], ["b", float(3.5)]]));
  });

  it("writes tab-indented JSON with Go escaping and a trailing newline", () => {
    const t = { documents: [branch([["a", str("<&>\u2028")], ["e", branch()], ["l", sequence([])], ["n", float(1e21)], ["i", int(5)]])] };
    expect(json.emitPlain(t).toString()).toBe('{\n\t"a": "\\u003c\\u0026\\u003e\\u2028",\n\t"e": {},\n\t"l": [],\n\t"n": 1e+21,\n\t"i": 5\n}\n');
  });

  it("writes the metadata with null for empty group lists and reads it back", () => {
    const out = json.emitEncrypted({ documents: [branch([["a", str("x")]])] }, meta).toString();
    expect(out).toContain('\t"sops": {\n\t\t"age": [\n\t\t\t{\n\t\t\t\t"recipient": "age1abc",');
    expect(out).toContain('"mac": "ENC[');
    expect(json.parseEncrypted(b(out)).metadata).toEqual(meta);
  });

  it("refuses non-object documents, existing sops keys and bad JSON", () => {
    expect(() => json.parsePlain(b("[1]"))).toThrow(/top level is an array/);
    expect(() => json.parsePlain(b('{"sops": 1}'))).toThrow(AlreadyEncryptedError);
    expect(() => json.parsePlain(b('{"a": }'))).toThrow(InvalidInputError);
    expect(() => json.parseEncrypted(b('{"a": 1}'))).toThrow(MetadataNotFoundError);
    expect(() => json.parseEncrypted(b('{"a": 1, "sops": {"version": 1, "lastmodified": "2024-01-01T00:00:00Z", "mac": "", "age": [{"recipient": "a", "enc": "b"}]}}'))).toThrow(/SOPS 1.x/);
  });
});

describe("dotenv store", () => {
  it("splits on the first '=', keeps everything else verbatim and turns \\n into newlines", () => {
    const t = dotenv.parsePlain(b("# c\nA=x=y\n\nB= spaced \\n\nC=\r\n"));
    expect(t.documents[0]).toEqual(branch([comment(" c"), ["A", str("x=y")], ["B", str(" spaced \n")], ["C", str("\r")]]));
    expect(dotenv.emitPlain(t).toString()).toBe("# c\nA=x=y\nB= spaced \\n\nC=\r\n");
  });

  it("writes metadata as sorted flattened sops_ keys and reads it back", () => {
    const out = dotenv.emitEncrypted({ documents: [branch([["A", str("x")]])] }, { ...meta, macOnlyEncrypted: true }).toString();
    expect(out).toBe(
      "A=x\nsops_age__list_0__map_enc=-----BEGIN AGE ENCRYPTED FILE-----\\nQUJD\\n-----END AGE ENCRYPTED FILE-----\\n\nsops_age__list_0__map_recipient=age1abc\n" +
        "sops_lastmodified=2024-11-12T13:33:42Z\nsops_mac=ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]\nsops_mac_only_encrypted=true\nsops_unencrypted_suffix=_unencrypted\nsops_version=3.11.0\n",
    );
    expect(dotenv.parseEncrypted(b(out)).metadata).toEqual({ ...meta, macOnlyEncrypted: true });
  });

  it("refuses lines without '=', nested values and sops_ keys in plaintext", () => {
    expect(() => dotenv.parsePlain(b("JUSTTEXT\n"))).toThrow(/no "="/);
    expect(() => dotenv.emitPlain({ documents: [branch([["A", branch([["x", str("y")]])]])] })).toThrow(/complex value.*A/);
    expect(() => dotenv.parsePlain(b("sops_x=1\n"))).toThrow(AlreadyEncryptedError);
    expect(() => dotenv.parseEncrypted(b("A=1\n"))).toThrow(MetadataNotFoundError);
  });
});

describe("binary store", () => {
  it("wraps arbitrary bytes under data and writes them back unchanged", () => {
    const bytes = Buffer.from([0, 255, 10, 0xc3]);
    const t = binary.parsePlain(bytes);
    expect(t.documents[0].items).toEqual([{ key: "data", value: { kind: "rawstr", value: bytes } }]);
    expect(binary.emitPlain(t)).toEqual(bytes);
    expect(binary.emitPlain(binary.parsePlain(b("text\n")))).toEqual(b("text\n"));
    expect(() => binary.emitPlain({ documents: [branch([["other", str("x")]])] })).toThrow(/No binary data/);
  });

  it("stores the encrypted form as JSON", () => {
    const out = binary.emitEncrypted({ documents: [branch([["data", str("ENC[x]")]])] }, meta).toString();
    expect(out.startsWith('{\n\t"data": "ENC[x]",\n\t"sops": {')).toBe(true);
  });
});
