/** The `sops` metadata block: its model and its conversion to and from the document tree (same for every store). */
import { RULE_FIELDS, type EncryptionRules } from "./encryption-rules";
import { InvalidMetadataError, MetadataNotFoundError } from "./errors";
import { formatGoTime, parseRfc3339 } from "./go-time";
import { Branch, Value, branch, bool, int, isComment, isScalar, nil, sequence, str } from "./tree";

/** The sops version this implementation writes (strict semver, no leading `v`). */
export const SOPS_FORMAT_VERSION = "3.11.0";

export interface AgeKeyEntry {
  recipient: string;
  /** The armored age file wrapping the data key (or a Shamir share), with its trailing newline. */
  enc: string;
}

/**
 * One key group. `other` keeps the non-age key sources opaque so that they round-trip: each entry is
 * `{ type: "pgp" | "kms" | "gcp_kms" | "azure_kv" | "hc_vault" | string, ...fields in file order }`.
 */
export interface KeyGroup {
  age: AgeKeyEntry[];
  other: Record<string, unknown>[];
}

export interface SopsMetadata extends EncryptionRules {
  keyGroups: KeyGroup[];
  shamirThreshold?: number;
  /** `YYYY-MM-DDTHH:MM:SSZ`. */
  lastmodified: string;
  /** The encrypted MAC, `ENC[AES256_GCM,...,type:str]`. */
  mac: string;
  version: string;
}

/** Key types sops writes as top-level lists, in its struct order around `age`. */
const LIST_KEY_TYPES_BEFORE_AGE = ["kms", "gcp_kms", "azure_kv", "hc_vault"] as const;
const GROUP_KEY_ORDER = ["pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "age"] as const;

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** `date` as sops writes `lastmodified`: UTC, seconds precision, `Z`. */
export function formatLastModified(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * `lastmodified` as sops re-formats it before using it as the MAC's AAD (Go `time.Parse(RFC3339)` then
 * `Format(RFC3339)`): fractional seconds dropped, a zero offset written `Z`.
 */
export function canonicalLastModified(text: string): string {
  const parts = parseRfc3339(text);
  if (!parts) {
    throw new InvalidMetadataError(`sops metadata field "lastmodified" is ${JSON.stringify(text)}, which is not an RFC 3339 time; expected e.g. "2024-11-12T13:33:42Z"`);
  }
  return formatGoTime(parts, false);
}

/** Options that differ between stores when writing empty key lists inside `key_groups`. */
export interface MetadataLayout {
  /** yaml.v3 writes a nil slice as `[]`, encoding/json as `null`. */
  emptyGroupList: "empty" | "null";
}

/** The metadata as a tree branch, fields in sops's serialization order (v3.10+ omission rules). */
export function metadataToBranch(m: SopsMetadata, layout: MetadataLayout): Branch {
  const out = branch();
  const put = (key: string, value: Value): void => {
    out.items.push({ key, value });
  };
  if (m.shamirThreshold !== undefined && m.shamirThreshold !== 0) put("shamir_threshold", int(m.shamirThreshold));
  const flat = m.keyGroups.length === 1;
  if (!flat && m.keyGroups.length > 0) {
    put("key_groups", sequence(m.keyGroups.map((g) => groupToBranch(g, layout))));
  }
  if (flat) {
    const g = m.keyGroups[0];
    for (const t of LIST_KEY_TYPES_BEFORE_AGE) {
      const entries = othersOfType(g, t);
      if (entries.items.length > 0) put(t, entries);
    }
    if (g.age.length > 0) put("age", sequence(g.age.map(ageEntryToBranch)));
  }
  put("lastmodified", str(m.lastmodified));
  put("mac", str(m.mac));
  if (flat) {
    const pgp = othersOfType(m.keyGroups[0], "pgp");
    if (pgp.items.length > 0) put("pgp", pgp);
  }
  for (const [field, prop] of RULE_FIELDS) {
    const v = m[prop];
    if (v !== undefined && v !== "") put(field, str(v));
  }
  if (m.macOnlyEncrypted) put("mac_only_encrypted", bool(true));
  put("version", str(m.version));
  return out;
}

function groupToBranch(g: KeyGroup, layout: MetadataLayout): Branch {
  const out = branch();
  for (const t of GROUP_KEY_ORDER) {
    const entries = t === "age" ? sequence(g.age.map(ageEntryToBranch)) : othersOfType(g, t);
    if (entries.items.length === 0 && t !== "hc_vault" && t !== "age") continue;
    out.items.push({ key: t, value: entries.items.length === 0 && layout.emptyGroupList === "null" ? nil() : entries });
  }
  return out;
}

function ageEntryToBranch(e: AgeKeyEntry): Branch {
  return branch([
    ["recipient", str(e.recipient)],
    ["enc", str(e.enc)],
  ]);
}

function othersOfType(g: KeyGroup, type: string): ReturnType<typeof sequence> {
  return sequence(
    g.other
      .filter((o) => o.type === type)
      .map((o) => {
        const fields = Object.entries(o).filter(([k]) => k !== "type");
        return plainToValue(Object.fromEntries(fields));
      }),
  );
}

/** Converts the opaque JSON-like fields of a non-age key entry to a tree value. */
function plainToValue(v: unknown): Value {
  if (v === null || v === undefined) return nil();
  if (typeof v === "string") return str(v);
  if (typeof v === "boolean") return bool(v);
  if (typeof v === "bigint") return int(v);
  if (typeof v === "number") return Number.isInteger(v) ? int(v) : { kind: "float", value: v };
  if (Array.isArray(v)) return sequence(v.map(plainToValue));
  if (typeof v === "object") {
    return branch(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plainToValue(x)]));
  }
  return str(String(v));
}

function valueToPlain(v: Value): unknown {
  switch (v.kind) {
    case "branch": {
      const o: Record<string, unknown> = {};
      for (const i of v.items) if (!isComment(i)) o[i.key] = valueToPlain(i.value);
      return o;
    }
    case "sequence":
      return v.items.filter((i) => !isComment(i)).map((i) => valueToPlain(i as Value));
    case "null":
      return null;
    case "int":
      return Number(v.value);
    case "rawstr":
    case "bytes":
      return v.value.toString("utf8");
    default:
      return v.value;
  }
}

/** Reads the `sops` metadata from a document branch; throws MetadataNotFoundError when there is none. */
export function metadataFromDocument(doc: Branch): SopsMetadata {
  let found: Value | undefined;
  for (const item of doc.items) if (!isComment(item) && item.key === "sops") found = item.value;
  if (found === undefined || found.kind === "null") throw new MetadataNotFoundError();
  if (found.kind !== "branch") throw new InvalidMetadataError(`the top-level "sops" entry must be a mapping, found ${found.kind}`);
  return metadataFromBranch(found);
}

/** Parses and validates a metadata branch as sops's `ToInternal` does. */
export function metadataFromBranch(b: Branch): SopsMetadata {
  const fields = new Map<string, Value>();
  for (const item of b.items) if (!isComment(item) && !fields.has(item.key)) fields.set(item.key, item.value);

  const text = (name: string, required: boolean): string | undefined => {
    const v = fields.get(name);
    if (v === undefined || v.kind === "null") {
      if (required) throw new InvalidMetadataError(`sops metadata field "${name}" is missing; the file is not a complete sops file`);
      return undefined;
    }
    if (v.kind === "str") return v.value;
    if (v.kind === "time") return v.value;
    if (name === "version" && (v.kind === "int" || v.kind === "float")) {
      throw new InvalidMetadataError(`sops metadata field "version" is a number; files written by SOPS 1.x are not supported`);
    }
    throw new InvalidMetadataError(`sops metadata field "${name}" must be a string, found ${v.kind}`);
  };

  const lastmodified = text("lastmodified", true) as string;
  canonicalLastModified(lastmodified);
  const mac = text("mac", false) ?? "";
  const version = text("version", true) as string;
  if (!SEMVER.test(version)) {
    throw new InvalidMetadataError(`sops metadata field "version" is ${JSON.stringify(version)}, which is not a semantic version such as "3.11.0"`);
  }

  const m: SopsMetadata = { keyGroups: readKeyGroups(fields), lastmodified, mac, version };
  const threshold = fields.get("shamir_threshold");
  if (threshold !== undefined && threshold.kind !== "null") {
    const n = threshold.kind === "int" ? Number(threshold.value) : threshold.kind === "float" || threshold.kind === "str" ? Number(threshold.value) : NaN;
    if (!Number.isInteger(n) || n < 0) throw new InvalidMetadataError(`sops metadata field "shamir_threshold" must be a non-negative integer`);
    if (n !== 0) m.shamirThreshold = n;
  }
  for (const [field, prop] of RULE_FIELDS) {
    const v = text(field, false);
    if (v !== undefined && v !== "") m[prop] = v;
  }
  const macOnly = fields.get("mac_only_encrypted");
  if (macOnly !== undefined && macOnly.kind !== "null") {
    if (macOnly.kind === "bool") m.macOnlyEncrypted = macOnly.value;
    else if (macOnly.kind === "str" && (macOnly.value === "true" || macOnly.value === "false")) m.macOnlyEncrypted = macOnly.value === "true";
    else throw new InvalidMetadataError(`sops metadata field "mac_only_encrypted" must be true or false`);
    if (!m.macOnlyEncrypted) delete m.macOnlyEncrypted;
  }
  const rules = RULE_FIELDS.filter(([, prop]) => m[prop] !== undefined);
  if (rules.length > 1) {
    throw new InvalidMetadataError(
      `sops metadata sets more than one encryption rule (${rules.map(([f]) => f).join(", ")}); use at most one of unencrypted_suffix, encrypted_suffix, unencrypted_regex, encrypted_regex, unencrypted_comment_regex and encrypted_comment_regex`,
    );
  }
  if (m.keyGroups.every((g) => g.age.length === 0 && g.other.length === 0)) {
    throw new InvalidMetadataError("No keys found in file");
  }
  return m;
}

function readKeyGroups(fields: Map<string, Value>): KeyGroup[] {
  const flat: KeyGroup = { age: [], other: [] };
  let anyFlat = false;
  for (const t of ["kms", "gcp_kms", "azure_kv", "hc_vault", "age", "pgp", "hckms"]) {
    const list = fields.get(t);
    if (list === undefined || list.kind !== "sequence" || list.items.length === 0) continue;
    anyFlat = true;
    addEntries(flat, t, list);
  }
  if (anyFlat) return [flat];
  const groups = fields.get("key_groups");
  if (groups === undefined || groups.kind !== "sequence") return [];
  const out: KeyGroup[] = [];
  for (const g of groups.items) {
    if (isComment(g) || g.kind !== "branch") continue;
    const group: KeyGroup = { age: [], other: [] };
    for (const item of g.items) {
      if (isComment(item) || item.value.kind !== "sequence") continue;
      addEntries(group, item.key, item.value);
    }
    out.push(group);
  }
  return out;
}

function addEntries(group: KeyGroup, type: string, list: Value): void {
  if (list.kind !== "sequence") return;
  for (const entry of list.items) {
    if (isComment(entry)) continue;
    if (entry.kind !== "branch") throw new InvalidMetadataError(`sops metadata "${type}" entries must be mappings`);
    if (type === "age") {
      const recipient = getText(entry, "recipient");
      const enc = getText(entry, "enc");
      if (recipient === undefined || enc === undefined) {
        throw new InvalidMetadataError(`an age entry in the sops metadata lacks "recipient" or "enc"`);
      }
      group.age.push({ recipient: recipient.trim(), enc });
    } else {
      group.other.push({ type, ...(valueToPlain(entry) as Record<string, unknown>) });
    }
  }
}

function getText(b: Branch, key: string): string | undefined {
  for (const item of b.items) {
    if (!isComment(item) && item.key === key && isScalar(item.value) && item.value.kind === "str") return item.value.value;
  }
  return undefined;
}
