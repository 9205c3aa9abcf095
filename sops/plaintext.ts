/** Type tags and the canonical plaintext bytes of each scalar type, as sops's `ToBytes` and `aes.Cipher` produce them. */
import { isUtf8 } from "node:buffer";
import { DecryptValueError, EncryptValueError } from "./errors";
import { formatFloatF } from "./go-float";
import { formatGoTime, parseRfc3339 } from "./go-time";
import type { Scalar } from "./tree";

export type TypeTag = "str" | "int" | "float" | "bool" | "time" | "bytes" | "comment";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The tag sops writes when encrypting `s` (Go `[]byte` is walked as a string, so `bytes` encrypts as `str`). */
export function typeTagOf(s: Exclude<Scalar, { kind: "null" }>): TypeTag {
  switch (s.kind) {
    case "str":
    case "rawstr":
    case "bytes":
      return "str";
    default:
      return s.kind;
  }
}

/** The bytes sops hashes and encrypts for `s`: raw strings, decimal ints, Go `'f'` floats, `True`/`False`, RFC 3339 nano. */
export function plaintextOf(s: Exclude<Scalar, { kind: "null" }>): Buffer {
  switch (s.kind) {
    case "str":
      return Buffer.from(s.value, "utf8");
    case "rawstr":
    case "bytes":
      return s.value;
    case "int":
      if (s.value < INT64_MIN || s.value > INT64_MAX) {
        throw new EncryptValueError(`integer ${s.value} does not fit in a Go int (64-bit); store it as a string instead`);
      }
      return Buffer.from(s.value.toString(10), "latin1");
    case "float":
      return Buffer.from(formatFloatF(s.value), "latin1");
    case "bool":
      return Buffer.from(s.value ? "True" : "False", "latin1");
    case "time":
      return Buffer.from(s.value, "latin1");
  }
}

/** Go `strconv.ParseBool`. */
function parseGoBool(text: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  return undefined;
}

/** Go `strconv.Atoi` (64-bit). */
function parseGoInt(text: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const v = BigInt(text);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

/** Go `strconv.ParseFloat(s, 64)` for the decimal and special forms (hex floats are not produced by sops). */
export function parseGoFloat(text: string): number | undefined {
  const lower = text.toLowerCase();
  const special: Record<string, number> = {
    nan: NaN, inf: Infinity, "+inf": Infinity, "-inf": -Infinity,
    infinity: Infinity, "+infinity": Infinity, "-infinity": -Infinity,
  };
  if (lower in special) return special[lower];
  if (!/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(text)) return undefined;
  const v = Number(text);
  return Number.isFinite(v) ? v : undefined;
}

/** Decodes a decrypted plaintext by its type tag (the decrypt side of sops's `aes.Cipher`). */
export function scalarFromPlaintext(tag: string, bytes: Buffer): Scalar {
  switch (tag) {
    case "str":
      // valid UTF-8 is exactly what decodes to text and encodes back to the same bytes
      return isUtf8(bytes) ? { kind: "str", value: bytes.toString("utf8") } : { kind: "rawstr", value: bytes };
    case "bytes":
      return { kind: "bytes", value: bytes };
    case "int": {
      const v = parseGoInt(bytes.toString("latin1"));
      if (v === undefined) throw new DecryptValueError(`Could not decrypt value: decrypted int is not a valid 64-bit integer`);
      return { kind: "int", value: v };
    }
    case "float": {
      const v = parseGoFloat(bytes.toString("latin1"));
      if (v === undefined) throw new DecryptValueError(`Could not decrypt value: decrypted float is not a valid number`);
      return { kind: "float", value: v };
    }
    case "bool": {
      const v = parseGoBool(bytes.toString("latin1"));
      if (v === undefined) throw new DecryptValueError(`Could not decrypt value: decrypted bool is not a valid boolean`);
      return { kind: "bool", value: v };
    }
    case "time": {
      const parts = parseRfc3339(bytes.toString("latin1"));
      if (!parts) throw new DecryptValueError(`Could not decrypt value: decrypted time is not an RFC 3339 time`);
      return { kind: "time", value: formatGoTime(parts, true) };
    }
    default:
      throw new DecryptValueError(`Could not decrypt value: Unknown datatype: ${tag}`);
  }
}
