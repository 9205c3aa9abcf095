/** Flags shared by several `sops` verbs, and what they mean for the operations. */
import { type Command, Option } from "commander";
import type { EncryptionRules, StoreFormat } from "../../../sops/index";
import { lib } from "./library";
import { CliExit } from "../../exit";

const FORMATS = ["yaml", "json", "dotenv", "binary"];

export interface IoFlags {
  inPlace?: boolean;
  output?: string;
  inputType?: StoreFormat;
  outputType?: StoreFormat;
  filenameOverride?: string;
}

export interface RuleFlags extends EncryptionRules {
  age?: string;
  shamirSecretSharingThreshold?: string;
}

export const typeOption = (flag: string, what: string) =>
  new Option(`${flag} <type>`, `${what} format (default: from the file extension; anything unknown is binary)`).choices(FORMATS);

/** --input-type and --output-type. */
export function addTypeOptions(cmd: Command): Command {
  return cmd.addOption(typeOption("--input-type", "input")).addOption(typeOption("--output-type", "output"));
}

/** -i / --output (stdout when neither) and the two format options, for the verbs that print a document. */
export function addOutputOptions(cmd: Command, what: "output" | "plaintext"): Command {
  return addTypeOptions(
    cmd
      .option("-i, --in-place", `write the ${what} back to the file`)
      .option("--output <path>", `write the ${what} to this file${what === "plaintext" ? " (mode 0600)" : ""}`),
  );
}

export function addKeyAndRuleOptions(cmd: Command): Command {
  return cmd
    .option("-a, --age <recipients>", "comma-separated age recipients (also SOPS_AGE_RECIPIENTS); replaces the .sops.yaml rule's keys")
    .option("--unencrypted-suffix <suffix>", "keys ending with this suffix are left in clear (default _unencrypted)")
    .option("--encrypted-suffix <suffix>", "only keys ending with this suffix are encrypted")
    .option("--unencrypted-regex <regex>", "keys matching this regex are left in clear")
    .option("--encrypted-regex <regex>", "only keys matching this regex are encrypted, e.g. '^(data|stringData)$'")
    .option("--unencrypted-comment-regex <regex>", "values after a comment matching this regex are left in clear")
    .option("--encrypted-comment-regex <regex>", "only values after a comment matching this regex are encrypted")
    .option("--mac-only-encrypted", "compute the MAC over encrypted values only")
    .option("--shamir-secret-sharing-threshold <n>", "number of key groups required to decrypt");
}

export function rulesFrom(flags: RuleFlags): EncryptionRules {
  const r: EncryptionRules = {};
  if (flags.unencryptedSuffix) r.unencryptedSuffix = flags.unencryptedSuffix;
  if (flags.encryptedSuffix) r.encryptedSuffix = flags.encryptedSuffix;
  if (flags.unencryptedRegex) r.unencryptedRegex = flags.unencryptedRegex;
  if (flags.encryptedRegex) r.encryptedRegex = flags.encryptedRegex;
  if (flags.unencryptedCommentRegex) r.unencryptedCommentRegex = flags.unencryptedCommentRegex;
  if (flags.encryptedCommentRegex) r.encryptedCommentRegex = flags.encryptedCommentRegex;
  if (flags.macOnlyEncrypted) r.macOnlyEncrypted = true;
  return r;
}

export function recipientsFrom(flags: RuleFlags): string[] | undefined {
  const text = flags.age ?? process.env.SOPS_AGE_RECIPIENTS;
  if (!text) return undefined;
  return text.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

export function thresholdFrom(flags: RuleFlags): number | undefined {
  if (flags.shamirSecretSharingThreshold === undefined) return undefined;
  const n = Number(flags.shamirSecretSharingThreshold);
  if (!Number.isInteger(n) || n < 0) throw new CliExit(lib().ExitCode.ErrorGeneric, `--shamir-secret-sharing-threshold must be a whole number, got ${flags.shamirSecretSharingThreshold}`);
  return n;
}

export function configOf(cmd: Command): string | undefined {
  return cmd.optsWithGlobals<{ config?: string }>().config;
}
