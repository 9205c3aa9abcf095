/**
 * The in-memory SOPS document model, mirroring getsops/sops `TreeBranch`: ordered mappings (duplicate keys allowed,
 * as the JSON store keeps them), sequences, typed scalars with Go yaml.v3 typing, and comments as items.
 */

/** A text string (type tag `str`). */
export interface StrScalar {
  kind: "str";
  value: string;
}
/** A Go string that is not valid UTF-8, e.g. the binary store's payload (type tag `str`, raw bytes). */
export interface RawStrScalar {
  kind: "rawstr";
  value: Buffer;
}
/** A Go `int` (64-bit); type tag `int`. */
export interface IntScalar {
  kind: "int";
  value: bigint;
}
/** A Go `float64`; type tag `float`. */
export interface FloatScalar {
  kind: "float";
  value: number;
}
/** A Go `bool`; type tag `bool`, plaintext `True`/`False`. */
export interface BoolScalar {
  kind: "bool";
  value: boolean;
}
/** A Go `time.Time`, kept as its canonical `MarshalText` form (RFC 3339 with trimmed nanoseconds, offset kept). */
export interface TimeScalar {
  kind: "time";
  value: string;
}
/** Decrypt-only legacy `bytes` type of the Python sops. */
export interface BytesScalar {
  kind: "bytes";
  value: Buffer;
}
/** A YAML/JSON null: never encrypted, never in the MAC. */
export interface NullScalar {
  kind: "null";
}
export type Scalar = StrScalar | RawStrScalar | IntScalar | FloatScalar | BoolScalar | TimeScalar | BytesScalar | NullScalar;

/** A comment line; `value` is the text after `#` (including its leading space), or an `ENC[...]` string. */
export interface Comment {
  kind: "comment";
  value: string;
}

export interface Entry {
  key: string;
  value: Value;
}
export interface Branch {
  kind: "branch";
  items: Array<Entry | Comment>;
}
export interface Sequence {
  kind: "sequence";
  items: Array<Value | Comment>;
}
export type Value = Scalar | Branch | Sequence;

/** A whole file: one branch per YAML document; JSON, dotenv and binary files have exactly one. */
export interface Tree {
  documents: Branch[];
}

export const str = (value: string): StrScalar => ({ kind: "str", value });
export const int = (value: bigint | number): IntScalar => ({ kind: "int", value: BigInt(value) });
export const float = (value: number): FloatScalar => ({ kind: "float", value });
export const bool = (value: boolean): BoolScalar => ({ kind: "bool", value });
export const nil = (): NullScalar => ({ kind: "null" });
export const comment = (value: string): Comment => ({ kind: "comment", value });
export const sequence = (items: Array<Value | Comment>): Sequence => ({ kind: "sequence", items });

/** Builds a branch from `[key, value]` pairs (or comments), in order. */
export function branch(items: Array<[string, Value] | Comment> = []): Branch {
  return {
    kind: "branch",
    items: items.map((item) => (Array.isArray(item) ? { key: item[0], value: item[1] } : item)),
  };
}

export function isComment(item: Entry | Comment | Value): item is Comment {
  return "kind" in item && item.kind === "comment";
}

export function isScalar(value: Value): value is Scalar {
  return value.kind !== "branch" && value.kind !== "sequence";
}

/** The value of the first entry named `key`, if any. */
export function getEntry(b: Branch, key: string): Value | undefined {
  for (const item of b.items) {
    if (!isComment(item) && item.key === key) return item.value;
  }
  return undefined;
}

/** The branch without its entries named `key` (comments kept). */
export function withoutEntry(b: Branch, key: string): Branch {
  return { kind: "branch", items: b.items.filter((item) => isComment(item) || item.key !== key) };
}

/** A deep copy; scalars' Buffers are shared since the tree never mutates them. */
export function cloneValue<T extends Value>(value: T): T {
  if (value.kind === "branch") {
    return { kind: "branch", items: value.items.map((i) => (isComment(i) ? { ...i } : { key: i.key, value: cloneValue(i.value) })) } as T;
  }
  if (value.kind === "sequence") {
    return { kind: "sequence", items: value.items.map((i) => (isComment(i) ? { ...i } : cloneValue(i))) } as T;
  }
  return { ...value };
}
