/**
 * `sops updatekeys`: make the file's key groups those of its `.sops.yaml` creation rule, re-wrapping the same data key
 * for every key. Values, MAC, `lastmodified`, `version` and rules are left untouched.
 */
import { resolve } from "node:path";
import { normalizeRecipientGroups, recipientGroupsOf } from "../key-groups";
import type { SopsMetadata } from "../metadata";
import { SopsConfigError } from "../operation-errors";
import { creationRuleFor, loadSopsConfig, resolveSopsConfigPath } from "../sops-config";
import { type StoreFormat, formatFromPath, storeFor } from "../stores/index";
import { readInputFile, writeOutputFile } from "./file-io";
import { wrapForSettings } from "./encrypt";
import { type IdentityOptions, dataKeyOf, parseEncrypted } from "./open";

export interface GroupDiff {
  added: string[];
  removed: string[];
}

export interface UpdateKeysPlan {
  diffs: GroupDiff[];
  fromThreshold: number;
  toThreshold: number;
  keyGroups: string[][];
  changed: boolean;
}

export interface UpdateKeysOptions extends IdentityOptions {
  format?: StoreFormat;
  configPath?: string;
  /** Where the `.sops.yaml` search starts; the working directory by default, as sops. */
  configSearchFrom?: string;
  shamirThreshold?: number;
  /** Called with the planned change before anything is written; return false to leave the file alone. */
  confirm?: (plan: UpdateKeysPlan) => boolean | Promise<boolean>;
}

/** sops's `DiffKeyGroups`: per group index, keys added and removed (non-age keys count as removed). */
export function diffKeyGroups(metadata: SopsMetadata, wanted: string[][]): GroupDiff[] {
  const current = recipientGroupsOf(metadata);
  const n = Math.max(current.length, wanted.length);
  const diffs: GroupDiff[] = [];
  for (let i = 0; i < n; i++) {
    const have = new Set(current[i] ?? []);
    const want = new Set(wanted[i] ?? []);
    const others = (metadata.keyGroups[i]?.other ?? []).map((o) => `${String(o.type)} key`);
    diffs.push({ added: [...want].filter((r) => !have.has(r)), removed: [...[...have].filter((r) => !want.has(r)), ...others] });
  }
  return diffs;
}

/** The change `updatekeys` would make to an encrypted document (no key needed). */
export function planUpdateKeys(metadata: SopsMetadata, wantedGroups: string[][], shamirThreshold?: number): UpdateKeysPlan {
  const keyGroups = normalizeRecipientGroups(wantedGroups);
  const diffs = diffKeyGroups(metadata, keyGroups);
  const fromThreshold = metadata.shamirThreshold ?? 0;
  const toThreshold = Math.min(shamirThreshold || fromThreshold, keyGroups.length);
  const changed = diffs.some((d) => d.added.length > 0 || d.removed.length > 0) || toThreshold !== fromThreshold;
  return { diffs, fromThreshold, toThreshold, keyGroups, changed };
}

/** Re-wraps the data key of `bytes` for the planned key groups. */
export async function applyUpdateKeys(bytes: Buffer, format: StoreFormat, plan: UpdateKeysPlan, opts: IdentityOptions): Promise<Buffer> {
  const { tree, metadata } = parseEncrypted(bytes, format);
  const dataKey = await dataKeyOf(metadata, opts);
  const wrapped = await wrapForSettings(dataKey, { keyGroups: plan.keyGroups, shamirThreshold: plan.toThreshold || undefined, rules: {} });
  const next: SopsMetadata = { ...metadata, keyGroups: wrapped.keyGroups };
  if (wrapped.shamirThreshold !== undefined) next.shamirThreshold = wrapped.shamirThreshold;
  else delete next.shamirThreshold;
  return storeFor(format).emitEncrypted(tree, next);
}

/** `sops updatekeys FILE`; returns the plan (with `changed: false` when the file was already up to date or not confirmed). */
export async function updateKeys(path: string, opts: UpdateKeysOptions = {}): Promise<UpdateKeysPlan> {
  const env = opts.env ?? process.env;
  const configPath = resolveSopsConfigPath({ configPath: opts.configPath, env, searchFrom: opts.configSearchFrom ?? process.cwd() });
  if (configPath === undefined) throw new SopsConfigError("config file not found");
  const input = await readInputFile(path);
  const format = opts.format ?? formatFromPath(path);
  const { metadata } = parseEncrypted(input, format);
  const config = loadSopsConfig(configPath);
  const rule = creationRuleFor(config, resolve(path));
  if (rule === undefined) throw new SopsConfigError(`The config file ${configPath} does not contain any creation rule`);
  const plan = planUpdateKeys(metadata, rule.keyGroups, opts.shamirThreshold);
  if (!plan.changed) return plan;
  if (opts.confirm && !(await opts.confirm(plan))) return { ...plan, changed: false };
  const out = await applyUpdateKeys(input, format, plan, opts);
  await writeOutputFile({ path }, out, "encrypted");
  return plan;
}
