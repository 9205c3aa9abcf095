import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { compareYamlKeys } from "../../../talos/patches/canonical";
import { encodeYamlDocument, encodeYamlDocuments } from "../../../talos/patches/yaml-encode";

describe("Talos (yaml.v3, indent 4) layout", () => {
  it("indents maps by 4, sequences under a key by 4, and maps inside sequence items as yaml.v3 does", () => {
    const text = encodeYamlDocument({
      a: { b: [{ name: "x", configuration: { deep: { deeper: 1 } }, options: ["o"], list: [{ k: "v", m: "w" }] }] },
    });
    expect(text).toBe(
      [
        "a:",
        "    b:",
        "        - name: x",
        "          configuration:",
        "            deep:",
        "                deeper: 1",
        "          options:",
        "            - o",
        "          list:",
        "            - k: v",
        "              m: w",
        "",
      ].join("\n"),
    );
  });

  it("writes empty maps and lists in flow style and joins documents with ---", () => {
    expect(encodeYamlDocuments([{ a: {}, b: [] }, { c: null }])).toBe("a: {}\nb: []\n---\nc: null\n");
  });

  it("double-quotes strings that would read back as another type, including YAML 1.1 booleans and sexagesimals", () => {
    const text = encodeYamlDocument({ e: "", o: "off", yes: "y", num: "123", t: "true", f: "1.5", mac: "00:11:22:33:44:55", d: "2001-12-14", nul: "null" });
    expect(text).toBe('e: ""\no: "off"\n"yes": "y"\nnum: "123"\nt: "true"\nf: "1.5"\nmac: "00:11:22:33:44:55"\nd: "2001-12-14"\nnul: "null"\n');
  });

  it("keeps plain what plain allows and single-quotes what it does not", () => {
    const text = encodeYamlDocument({ mac: "bc:24:11:00:00:01", url: "https://h:6443", img: "a/b:v1", colon: "a: b", hash: "a #b", star: "*x", dash: "- x" });
    expect(text).toBe("mac: bc:24:11:00:00:01\nurl: https://h:6443\nimg: a/b:v1\ncolon: 'a: b'\nhash: 'a #b'\nstar: '*x'\ndash: '- x'\n");
  });

  it("writes multi-line strings as literal blocks that read back unchanged", () => {
    const value = { manifest: "line1\nline2\n", bare: "x\ny" };
    const text = encodeYamlDocument(value);
    expect(text).toBe("manifest: |\n    line1\n    line2\nbare: |-\n    x\n    y\n");
    expect(parse(text)).toEqual(value);
  });

  it("round-trips arbitrary strings through a YAML parser", () => {
    for (const s of ["a'b", 'q"q', " lead", "trail ", "tab\there", "%x", "@y", "`z", "{a}", "[b]", "a,b", "?", "-", "~", "0x1F", "1e3", ".inf"]) {
      expect(parse(encodeYamlDocument({ s }))).toEqual({ s });
    }
  });
});

describe("yaml.v3 map key order", () => {
  it("sorts letters before other characters and digit runs numerically", () => {
    const keys = ["b", "a10", "a9", "audit-version", "audit", "a-b", "ab", "z"];
    expect([...keys].sort(compareYamlKeys)).toEqual(["a-b", "a9", "a10", "ab", "audit", "audit-version", "b", "z"]);
  });
});
