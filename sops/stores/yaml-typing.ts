/** Go yaml.v3's typing of plain scalars (`resolve.go`), so values hash as sops hashes them. */
import { InvalidInputError } from "../errors";
import { parseYamlTimestamp } from "../go-time";
import type { Scalar } from "../tree";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const RESOLVE_MAP = new Map<string, Scalar>([
  ...["true", "True", "TRUE"].map((s): [string, Scalar] => [s, { kind: "bool", value: true }]),
  ...["false", "False", "FALSE"].map((s): [string, Scalar] => [s, { kind: "bool", value: false }]),
  ...["", "~", "null", "Null", "NULL"].map((s): [string, Scalar] => [s, { kind: "null" }]),
  ...[".nan", ".NaN", ".NAN"].map((s): [string, Scalar] => [s, { kind: "float", value: NaN }]),
  ...[".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].map((s): [string, Scalar] => [s, { kind: "float", value: Infinity }]),
  ...["-.inf", "-.Inf", "-.INF"].map((s): [string, Scalar] => [s, { kind: "float", value: -Infinity }]),
]);

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const GO_INT_BASE0 = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/;

/** yaml.v3's resolve table: the first character decides what a plain scalar may be. */
function hintOf(s: string): "S" | "D" | "M" | "." | undefined {
  if (s === "") return "M";
  const c = s[0];
  if (c === "+" || c === "-") return "S";
  if (c >= "0" && c <= "9") return "D";
  if ("yYnNtTfFoO~".includes(c)) return "M";
  if (c === ".") return ".";
  return undefined;
}

/** Go `strconv.ParseInt(s, 0, 64)` / `ParseUint`: a bigint, or undefined when `s` is not a Go integer literal. */
function parseGoIntLiteral(s: string): { value: bigint; signed: boolean } | undefined {
  const m = GO_INT_BASE0.exec(s);
  if (!m) return undefined;
  const body = m[2];
  let magnitude: bigint;
  if (/^0[0-7]+$/.test(body)) magnitude = BigInt("0o" + body.slice(1));
  else magnitude = BigInt(body.length > 1 && /^0[xXbBoO]/.test(body) ? "0" + body[1].toLowerCase() + body.slice(2) : body);
  return { value: m[1] === "-" ? -magnitude : magnitude, signed: m[1] !== "" };
}

export type GoResolved = Scalar | { kind: "uint64"; text: string };

/** How yaml.v3 types an untagged plain scalar when decoding into `interface{}`. */
export function resolvePlain(s: string): GoResolved {
  const hint = hintOf(s);
  if (hint === undefined) return { kind: "str", value: s };
  const mapped = RESOLVE_MAP.get(s);
  if (mapped) return { ...mapped };
  if (hint === ".") {
    if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s)) {
      const v = Number(s);
      if (Number.isFinite(v)) return { kind: "float", value: v };
    }
    return { kind: "str", value: s };
  }
  if (hint === "D" || hint === "S") {
    const time = parseYamlTimestamp(s);
    if (time !== undefined) return { kind: "time", value: time };
    const plain = s.replaceAll("_", "");
    const int = parseGoIntLiteral(plain);
    if (int) {
      if (int.value >= INT64_MIN && int.value <= INT64_MAX) return { kind: "int", value: int.value };
      if (!int.signed && int.value <= UINT64_MAX) return { kind: "uint64", text: s };
    }
    if (YAML_STYLE_FLOAT.test(plain)) {
      const v = Number(plain);
      if (Number.isFinite(v)) return { kind: "float", value: v };
    }
  }
  return { kind: "str", value: s };
}

/** Like `resolvePlain`, refusing what sops cannot walk (integers in the uint64-only range). */
export function resolvePlainScalar(s: string, where: () => string): Scalar {
  const r = resolvePlain(s);
  if (r.kind === "uint64") {
    throw new InvalidInputError(
      `the value ${r.text} at ${where()} is an integer above 9223372036854775807; sops cannot process it ("Cannot walk value, unknown type: uint64"); quote it to keep it as a string`,
    );
  }
  return r;
}

const OLD_BOOLS = new Set(["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF"]);
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

/** yaml.v3's `canUsePlain` for strings: the text must re-resolve as a string and not look like a YAML 1.1 value. */
export function stringResolvesAsString(s: string): boolean {
  return resolvePlain(s).kind === "str" && !OLD_BOOLS.has(s) && !BASE60_FLOAT.test(s);
}
