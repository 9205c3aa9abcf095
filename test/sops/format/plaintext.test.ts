import { describe, expect, it } from "vitest";
import { formatFloatF, formatFloatG } from "../../../sops/go-float";
import { parseYamlTimestamp } from "../../../sops/go-time";
import { plaintextOf, scalarFromPlaintext, typeTagOf } from "../../../sops/plaintext";
import { bool, float, int, str } from "../../../sops/tree";

describe("type tags and canonical plaintexts", () => {
  it("tags each scalar type as sops does", () => {
    expect(typeTagOf(str("x"))).toBe("str");
    expect(typeTagOf(int(1))).toBe("int");
    expect(typeTagOf(float(1.5))).toBe("float");
    expect(typeTagOf(bool(true))).toBe("bool");
    expect(typeTagOf({ kind: "time", value: "2024-01-01T00:00:00Z" })).toBe("time");
    expect(typeTagOf({ kind: "rawstr", value: Buffer.from([0xff]) })).toBe("str");
  });

  it("writes booleans as Python-era True/False and ints in decimal", () => {
    expect(plaintextOf(bool(true)).toString()).toBe("True");
    expect(plaintextOf(bool(false)).toString()).toBe("False");
    expect(plaintextOf(int(-42)).toString()).toBe("-42");
    expect(plaintextOf(int(2n ** 63n - 1n)).toString()).toBe("9223372036854775807");
    expect(() => plaintextOf(int(2n ** 63n))).toThrow(/64-bit/);
  });

  it.each([
    [1e6, "1000000"],
    [1e21, "1000000000000000000000"],
    [1e-7, "0.0000001"],
    [1.0, "1"],
    [-0, "-0"],
    [2.5, "2.5"],
    [0.1 + 0.2, "0.30000000000000004"],
    [123456789.125, "123456789.125"],
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
  ])("formats float %s like Go FormatFloat(v, 'f', -1, 64): %s", (v, expected) => {
    expect(formatFloatF(v)).toBe(expected);
    expect(plaintextOf(float(v)).toString()).toBe(expected);
  });

  it.each([
    [1e6, "1e+06"],
    [123456, "123456"],
    [1234567, "1.234567e+06"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [1.5e300, "1.5e+300"],
    [1, "1"],
  ])("formats float %s like Go 'g' for YAML output: %s", (v, expected) => {
    expect(formatFloatG(v)).toBe(expected);
  });

  it("keeps the offset and trims fractional zeros of times (Go MarshalText)", () => {
    expect(parseYamlTimestamp("2024-01-01")).toBe("2024-01-01T00:00:00Z");
    expect(parseYamlTimestamp("2024-01-01T10:00:00+02:00")).toBe("2024-01-01T10:00:00+02:00");
    expect(parseYamlTimestamp("2024-1-2t3:04:05.500Z")).toBe("2024-01-02T03:04:05.5Z");
    expect(parseYamlTimestamp("2001-12-14 21:59:43.10")).toBe("2001-12-14T21:59:43.1Z");
    expect(parseYamlTimestamp("2024-01-01T10:00:00+00:00")).toBe("2024-01-01T10:00:00Z");
    expect(parseYamlTimestamp("2024-02-30")).toBeUndefined();
    expect(parseYamlTimestamp("2024-01-01 10:00:00 +02:00")).toBeUndefined();
  });

  it("decodes decrypted plaintexts by tag, accepting Go ParseBool forms", () => {
    expect(scalarFromPlaintext("bool", Buffer.from("true"))).toEqual(bool(true));
    expect(scalarFromPlaintext("bool", Buffer.from("F"))).toEqual(bool(false));
    expect(scalarFromPlaintext("int", Buffer.from("-7"))).toEqual(int(-7));
    expect(scalarFromPlaintext("float", Buffer.from("1000000"))).toEqual(float(1e6));
    expect(scalarFromPlaintext("time", Buffer.from("2024-01-01T10:00:00.000+02:00"))).toEqual({ kind: "time", value: "2024-01-01T10:00:00+02:00" });
    expect(scalarFromPlaintext("bytes", Buffer.from([1, 2]))).toEqual({ kind: "bytes", value: Buffer.from([1, 2]) });
    expect(scalarFromPlaintext("str", Buffer.from([0xff, 0x00]))).toEqual({ kind: "rawstr", value: Buffer.from([0xff, 0x00]) });
    expect(() => scalarFromPlaintext("int", Buffer.from("1.5"))).toThrow(/int/);
    expect(() => scalarFromPlaintext("bool", Buffer.from("yes"))).toThrow(/bool/);
    expect(() => scalarFromPlaintext("weird", Buffer.from("x"))).toThrow(/Unknown datatype: weird/);
  });
});
