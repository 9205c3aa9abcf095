import { describe, expect, it } from "vitest";
import { resolvePlain, stringResolvesAsString } from "../../../sops/stores/yaml-typing";

describe("Go yaml.v3 typing of plain scalars", () => {
  it.each([
    ["", { kind: "null" }],
    ["~", { kind: "null" }],
    ["Null", { kind: "null" }],
    ["true", { kind: "bool", value: true }],
    ["FALSE", { kind: "bool", value: false }],
    ["yes", { kind: "str", value: "yes" }],
    ["off", { kind: "str", value: "off" }],
    ["1_000", { kind: "int", value: 1000n }],
    ["12345_54321", { kind: "int", value: 1234554321n }],
    ["0755", { kind: "int", value: 493n }],
    ["0o17", { kind: "int", value: 15n }],
    ["0x1F", { kind: "int", value: 31n }],
    ["0b101", { kind: "int", value: 5n }],
    ["+1", { kind: "int", value: 1n }],
    ["-0", { kind: "int", value: 0n }],
    ["09", { kind: "float", value: 9 }],
    ["1e3", { kind: "float", value: 1000 }],
    [".5", { kind: "float", value: 0.5 }],
    ["1.0", { kind: "float", value: 1 }],
    ["-.inf", { kind: "float", value: -Infinity }],
    ["99999999999999999999999", { kind: "float", value: 1e23 }],
    ["1e400", { kind: "str", value: "1e400" }],
    ["2024-01-01", { kind: "time", value: "2024-01-01T00:00:00Z" }],
    ["2024-13-01", { kind: "str", value: "2024-13-01" }],
    ["<<", { kind: "str", value: "<<" }],
    ["0x", { kind: "str", value: "0x" }],
    ["1:20", { kind: "str", value: "1:20" }],
  ])("%j", (text, expected) => {
    expect(resolvePlain(text)).toEqual(expected);
  });

  it("flags integers in the uint64-only range, which sops cannot walk", () => {
    expect(resolvePlain("18446744073709551615").kind).toBe("uint64");
    expect(resolvePlain("-9223372036854775809")).toEqual({ kind: "float", value: -9223372036854775809 });
  });

  it("decides which strings need quoting on output", () => {
    for (const s of ["yes", "n", "1_000", "0755", "1:20", "2024-01-01", "true", "", "null", "1e3"]) expect(stringResolvesAsString(s)).toBe(false);
    for (const s of ["hello", "ENC[AES256_GCM,data:x]", "a b", "_1"]) expect(stringResolvesAsString(s)).toBe(true);
  });
});
