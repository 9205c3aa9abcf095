/** What to encrypt to and how: key flags, rule flags and the matching `.sops.yaml` creation rule, merged as sops does. */
import { dirname, resolve } from "node:path";
import type { EncryptionRules } from "../encryption-rules";
import { SopsConfigError } from "../operation-errors";
import { type CreationRule, creationRuleFor, loadSopsConfig, resolveSopsConfigPath } from "../sops-config";
import type { StoreFormat } from "../stores/index";

export interface KeySettings {
  /** age recipients (one key group); replace the creation rule's keys, like `--age`. */
  recipients?: string[];
  /** age recipients per key group (two or more groups use Shamir). */
  keyGroups?: string[][];
  shamirThreshold?: number;
}

export interface ConfigSettings {
  /** The file being encrypted: used to pick the `.sops.yaml` creation rule. */
  filePath?: string;
  /** An explicit `.sops.yaml` (like `--config`); otherwise SOPS_CONFIG, then a search. */
  configPath?: string;
  /** Where the `.sops.yaml` search starts: the file's folder by default (sops itself starts at the working directory). */
  configSearchFrom?: string;
  env?: NodeJS.ProcessEnv;
}

export interface EncryptionSettings {
  keyGroups: string[][];
  shamirThreshold?: number;
  /** The rules as they go into the metadata (sops's default suffix applied, none for binary). */
  rules: EncryptionRules;
}

const RULE_PROPS = ["unencryptedSuffix", "encryptedSuffix", "unencryptedRegex", "encryptedRegex", "unencryptedCommentRegex", "encryptedCommentRegex"] as const;

/** The creation rule for the file, if a config is found and has creation rules. */
export function findCreationRule(opts: ConfigSettings): CreationRule | undefined {
  const env = opts.env ?? process.env;
  if (opts.filePath === undefined && opts.configPath === undefined && !env.SOPS_CONFIG) return undefined;
  const searchFrom = opts.configSearchFrom ?? (opts.filePath !== undefined ? dirname(resolve(opts.filePath)) : process.cwd());
  const configPath = resolveSopsConfigPath({ configPath: opts.configPath, env, searchFrom });
  if (configPath === undefined) return undefined;
  return creationRuleFor(loadSopsConfig(configPath), opts.filePath ?? resolve(searchFrom, "stdin"));
}

/**
 * Flags win over the creation rule, field by field (keys as a whole); binary files get no rule at all (sops 3.11);
 * otherwise the default `unencrypted_suffix` is written when no rule is set.
 */
export function resolveEncryptionSettings(
  opts: KeySettings & ConfigSettings & { rules?: EncryptionRules; format: StoreFormat },
): EncryptionSettings {
  const rule = findCreationRule(opts);
  let keyGroups: string[][];
  let shamirThreshold = opts.shamirThreshold;
  if (opts.keyGroups !== undefined && opts.keyGroups.length > 0) keyGroups = opts.keyGroups.map((g) => [...g]);
  else if (opts.recipients !== undefined && opts.recipients.length > 0) keyGroups = [[...opts.recipients]];
  else if (rule !== undefined) {
    keyGroups = rule.keyGroups;
    shamirThreshold ??= rule.shamirThreshold;
  } else {
    throw new SopsConfigError("config file not found, or has no creation rules, and no keys provided through command line options");
  }
  const rules: EncryptionRules = {};
  for (const prop of RULE_PROPS) {
    const v = opts.rules?.[prop] || rule?.rules[prop];
    if (v) rules[prop] = v;
  }
  if (opts.rules?.macOnlyEncrypted || rule?.rules.macOnlyEncrypted) rules.macOnlyEncrypted = true;
  const set = RULE_PROPS.filter((p) => rules[p] !== undefined);
  if (opts.format === "binary") for (const p of set) delete rules[p];
  else if (set.length === 0) rules.unencryptedSuffix = "_unencrypted";
  if (set.length > 1 && opts.format !== "binary") {
    throw new SopsConfigError(
      "error loading config: cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex for the same rule",
    );
  }
  return shamirThreshold === undefined ? { keyGroups, rules } : { keyGroups, shamirThreshold, rules };
}
