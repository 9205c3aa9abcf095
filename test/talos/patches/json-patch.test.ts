import { describe, expect, it } from "vitest";
import { applyPatches, loadPatch, loadPatches, parseConfig } from "../../../talos/patches/apply";
import { MULTI_DOCUMENT_JSON_PATCH_ERROR } from "../../../talos/patches/json-patch";

const SINGLE = "version: v1alpha1\nmachine:\n    type: worker\n    token: t\n    certSANs:\n        - a\n        - b\n    install:\n        disk: /dev/sda\n        wipe: false\n";
const MULTI = `${SINGLE}---\napiVersion: v1alpha1\nkind: VolumeConfig\nname: STATE\n`;

const run = (config: string, ...patches: string[]) => applyPatches(parseConfig(config), loadPatches(patches))[0];

describe("patch kind detection", () => {
  it("reads a YAML map as a strategic merge patch", () => {
    expect(loadPatch("machine:\n  token: x\n").kind).toBe("strategic-merge");
  });

  it("reads a YAML list and a JSON array as JSON patches", () => {
    expect(loadPatch("- op: remove\n  path: /machine/token\n").kind).toBe("json-patch");
    expect(loadPatch('[{"op": "remove", "path": "/machine/token"}]').kind).toBe("json-patch");
  });

  it("joins consecutive JSON patches into one, as Talos does", () => {
    const patches = loadPatches(["- {op: remove, path: /a}\n", "- {op: remove, path: /b}\n", "machine: {token: x}\n", "- {op: remove, path: /c}\n"]);
    expect(patches.map((p) => p.kind)).toEqual(["json-patch", "strategic-merge", "json-patch"]);
    expect(patches[0].kind === "json-patch" && patches[0].operations.map((o) => o.path)).toEqual(["/a", "/b"]);
  });

  it("refuses an empty patch, a scalar patch and a malformed operation with the fix", () => {
    expect(() => loadPatch("", "cluster patch 1")).toThrow(/cluster patch 1 is empty/);
    expect(() => loadPatch("just text", "p")).toThrow(/neither a strategic merge patch .* nor a JSON patch/);
    expect(() => loadPatch("- {op: frobnicate, path: /a}\n", "p")).toThrow(/op "frobnicate" is not one of add, remove, replace, move, copy, test/);
    expect(() => loadPatch("- {op: add, path: /a}\n", "p")).toThrow(/\(add \/a\) has no value/);
    expect(() => loadPatch("- {op: add, path: a, value: 1}\n", "p")).toThrow(/path "a" is not a JSON pointer/);
    expect(() => loadPatch("- {op: move, path: /a}\n", "p")).toThrow(/has no "from"/);
    expect(() => loadPatch("machine: [\n", "p")).toThrow(/p is not valid YAML/);
  });
});

describe("RFC 6902 operations", () => {
  it("add sets a key, inserts at an index and appends with -", () => {
    const out = run(
      SINGLE,
      "- {op: add, path: /machine/network, value: {hostname: n1}}\n- {op: add, path: /machine/certSANs/1, value: x}\n- {op: add, path: /machine/certSANs/-, value: z}\n",
    );
    expect(out.machine).toMatchObject({ network: { hostname: "n1" }, certSANs: ["a", "x", "b", "z"] });
  });

  it("remove, replace, copy, move and test", () => {
    const out = run(
      SINGLE,
      "- {op: test, path: /machine/install/disk, value: /dev/sda}\n" +
        "- {op: replace, path: /machine/install/disk, value: /dev/vda}\n" +
        "- {op: copy, from: /machine/token, path: /machine/install/image}\n" +
        "- {op: move, from: /machine/certSANs/0, path: /machine/certSANs/-}\n" +
        "- {op: remove, path: /machine/install/wipe}\n",
    );
    expect(out.machine).toMatchObject({ certSANs: ["b", "a"], install: { disk: "/dev/vda", image: "t" } });
    expect((out.machine as { install: object }).install).not.toHaveProperty("wipe");
  });

  it("fails a test op and a missing path with Talos's message prefix", () => {
    expect(() => run(SINGLE, "- {op: test, path: /machine/type, value: controlplane}\n")).toThrow(
      /failure applying rfc6902 patches to talos machine config: test \/machine\/type: test failed/,
    );
    expect(() => run(SINGLE, "- {op: remove, path: /machine/nope}\n")).toThrow(/path element "nope" does not exist/);
    expect(() => run(SINGLE, "- {op: add, path: /machine/certSANs/9, value: q}\n")).toThrow(/index 9 is out of range/);
  });

  it("is refused on a multi-document config, as Talos refuses it", () => {
    expect(() => run(MULTI, "- {op: remove, path: /machine/token}\n")).toThrow(MULTI_DOCUMENT_JSON_PATCH_ERROR);
  });
});
