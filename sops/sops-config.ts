/**
 * `.sops.yaml`: finding it (an explicit path, SOPS_CONFIG, or a walk up the folders), and choosing the creation rule
 * for a file (first rule whose `path_regex` is empty or matches the path relative to the config's folder).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { parseBoundedYaml } from "./stores/parse-limits";
import { RULE_FIELDS, type EncryptionRules } from "./encryption-rules";
import { NoMatchingCreationRuleError } from "./errors";
import { goRegexp } from "./go-regexp";
import { KeyWrapError, SopsConfigError } from "./operation-errors";

export const SOPS_CONFIG_FILE_NAME = ".sops.yaml";
const MAX_DEPTH = 100;

export interface CreationRule {
  pathRegex?: string;
  /** age recipients per key group (one group unless `key_groups` is used). */
  keyGroups: string[][];
  shamirThreshold?: number;
  /** The rule fields exactly as written (no default applied). */
  rules: EncryptionRules;
}

export interface SopsConfig {
  path: string;
  /** `undefined` when the file has no `creation_rules` (sops then treats the config as absent). */
  creationRules?: RawCreationRule[];
}

type RawCreationRule = Record<string, unknown>;


const OTHER_KEY_FIELDS = ["kms", "pgp", "gcp_kms", "azure_keyvault", "hc_vault_transit_uri", "hc_vault"];

/** Walks up from `startDir` (at most 100 levels) for `.sops.yaml`; `.sops.yml` is ignored, as sops 3.10+ does. */
export function findSopsConfig(startDir: string): string | undefined {
  let dir = resolve(startDir);
  for (let i = 0; i < MAX_DEPTH; i++) {
    const candidate = join(dir, SOPS_CONFIG_FILE_NAME);
    if (existsSync(candidate) && !statSync(candidate).isDirectory()) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

/** `--config` first, then `SOPS_CONFIG`, then the walk up from `searchFrom`. */
export function resolveSopsConfigPath(opts: { configPath?: string; env?: NodeJS.ProcessEnv; searchFrom: string }): string | undefined {
  const explicit = opts.configPath || (opts.env ?? process.env).SOPS_CONFIG;
  if (explicit) return explicit;
  return findSopsConfig(opts.searchFrom);
}

export function loadSopsConfig(path: string): SopsConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new SopsConfigError(`could not read config file: ${(e as Error).message}`);
  }
  return parseSopsConfig(path, text);
}

/** A `.sops.yaml` given as text (e.g. an edited copy not written yet); `path` places it (rules match relative to its folder). */
export function parseSopsConfig(path: string, text: string): SopsConfig {
  let doc: unknown;
  try {
    doc = parseBoundedYaml(text, path);
  } catch (e) {
    throw new SopsConfigError(`error loading config: ${path} is not valid YAML: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return { path };
  if (typeof doc !== "object" || Array.isArray(doc)) throw new SopsConfigError(`error loading config: ${path} must be a YAML mapping`);
  const rules = (doc as Record<string, unknown>).creation_rules;
  if (rules === undefined || rules === null) return { path };
  if (!Array.isArray(rules) || rules.some((r) => typeof r !== "object" || r === null || Array.isArray(r))) {
    throw new SopsConfigError(`error loading config: creation_rules in ${path} must be a list of mappings`);
  }
  return { path, creationRules: rules as RawCreationRule[] };
}

/** A key field: a comma-separated string (trimmed, empties dropped) or, since sops 3.11, a list of strings. */
export function parseKeyField(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (Array.isArray(value)) {
    return value.map((v) => {
      if (typeof v !== "string") throw new SopsConfigError(`invalid ${field} key configuration: expected string in list, got ${JSON.stringify(v)}`);
      return v;
    });
  }
  throw new SopsConfigError(`invalid ${field} key configuration: expected a string or a list of strings, got ${JSON.stringify(value)}`);
}

function refuseOtherKeyTypes(obj: Record<string, unknown>, where: string): void {
  for (const f of OTHER_KEY_FIELDS) {
    const v = obj[f];
    if (v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0)) {
      throw new KeyWrapError(`${where} uses ${f} keys, which this implementation does not support; only age recipients can be used (or run the real sops)`);
    }
  }
}

function groupRecipients(group: Record<string, unknown>, where: string): string[] {
  refuseOtherKeyTypes(group, where);
  const merged = Array.isArray(group.merge)
    ? group.merge.flatMap((m, i) => groupRecipients(m as Record<string, unknown>, `${where} merge[${i}]`))
    : [];
  const own = parseKeyField(group.age, "age").flatMap((s) => s.split(",").map((x) => x.trim()).filter((x) => x !== ""));
  return [...merged, ...own];
}

function ruleFromRaw(raw: RawCreationRule, index: number, configPath: string): CreationRule {
  const where = `creation rule ${index} in ${configPath}`;
  const rules: EncryptionRules = {};
  for (const [field, prop] of RULE_FIELDS) {
    const v = raw[field];
    if (v !== undefined && v !== null && v !== "") (rules as Record<string, unknown>)[prop] = String(v);
  }
  const set = RULE_FIELDS.filter(([, prop]) => rules[prop] !== undefined);
  if (set.length > 1) {
    throw new SopsConfigError(
      "error loading config: cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex for the same rule",
    );
  }
  if (raw.mac_only_encrypted === true) rules.macOnlyEncrypted = true;
  let keyGroups: string[][];
  if (Array.isArray(raw.key_groups) && raw.key_groups.length > 0) {
    keyGroups = raw.key_groups.map((g, i) => groupRecipients((g ?? {}) as Record<string, unknown>, `key_groups[${i}] of ${where}`));
  } else {
    refuseOtherKeyTypes(raw, where);
    keyGroups = [parseKeyField(raw.age, "age")];
  }
  const out: CreationRule = { keyGroups, rules };
  if (typeof raw.path_regex === "string" && raw.path_regex !== "") out.pathRegex = raw.path_regex;
  const t = raw.shamir_threshold;
  if (t !== undefined && t !== null && t !== 0) {
    if (typeof t !== "number" || !Number.isInteger(t) || t < 0) throw new SopsConfigError(`error loading config: shamir_threshold of ${where} must be a whole number`);
    out.shamirThreshold = t;
  }
  return out;
}

/**
 * The creation rule for `filePath`, or `undefined` when the config has no `creation_rules`. Throws
 * NoMatchingCreationRuleError when rules exist but none matches.
 */
export function creationRuleFor(config: SopsConfig, filePath: string): CreationRule | undefined {
  if (config.creationRules === undefined) return undefined;
  const configDir = resolve(dirname(config.path));
  let path = resolve(filePath);
  if (path.startsWith(configDir + sep)) path = path.slice(configDir.length + 1);
  for (let i = 0; i < config.creationRules.length; i++) {
    const raw = config.creationRules[i];
    const regex = raw.path_regex;
    if (regex !== undefined && regex !== null && regex !== "") {
      let re: RegExp;
      try {
        re = goRegexp(String(regex));
      } catch (e) {
        throw new SopsConfigError(`can not compile regexp: ${String(regex)} (creation rule ${i} in ${config.path}): ${(e as Error).message}`);
      }
      re.lastIndex = 0;
      if (!re.test(path)) continue;
    }
    return ruleFromRaw(raw, i, config.path);
  }
  throw new NoMatchingCreationRuleError(`error loading config: no matching creation rules found (file ${path}, config ${config.path})`);
}
