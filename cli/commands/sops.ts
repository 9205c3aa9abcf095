import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { type Command, Option } from "commander";
import type * as SopsLibrary from "../../sops/index";
import type { EncryptionRules, StoreFormat, UpdateKeysPlan } from "../../sops/index";
import type * as SopsFileIo from "../../sops/operations/file-io";
import { CliExit } from "../exit";

let sopsLibrary: typeof SopsLibrary | undefined;
let fileIo: typeof SopsFileIo | undefined;

/**
 * Loads the SOPS library, once, when a subcommand runs: `--help` and the other commands do not pay for it (age and
 * its curves). In dist/ it is a bundle of its own; every class checked with `instanceof` here comes from it.
 */
async function loadLibrary(): Promise<void> {
  sopsLibrary ??= await import("../../sops/index.js");
  fileIo ??= await import("../../sops/operations/file-io.js");
}

function lib(): typeof SopsLibrary {
  if (sopsLibrary === undefined) throw new Error("internal error: the SOPS library is used before a command loaded it");
  return sopsLibrary;
}

function io(): typeof SopsFileIo {
  if (fileIo === undefined) throw new Error("internal error: the SOPS library is used before a command loaded it");
  return fileIo;
}

const FORMATS = ["yaml", "json", "dotenv", "binary"];

interface IoFlags {
  inPlace?: boolean;
  output?: string;
  inputType?: StoreFormat;
  outputType?: StoreFormat;
  filenameOverride?: string;
}

interface RuleFlags extends EncryptionRules {
  age?: string;
  shamirSecretSharingThreshold?: string;
}

const typeOption = (flag: string, what: string) =>
  new Option(`${flag} <type>`, `${what} format (default: from the file extension; anything unknown is binary)`).choices(FORMATS);

function addKeyAndRuleOptions(cmd: Command): Command {
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

function rulesFrom(flags: RuleFlags): EncryptionRules {
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

function recipientsFrom(flags: RuleFlags): string[] | undefined {
  const text = flags.age ?? process.env.SOPS_AGE_RECIPIENTS;
  if (!text) return undefined;
  return text.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

function thresholdFrom(flags: RuleFlags): number | undefined {
  if (flags.shamirSecretSharingThreshold === undefined) return undefined;
  const n = Number(flags.shamirSecretSharingThreshold);
  if (!Number.isInteger(n) || n < 0) throw new CliExit(1, `--shamir-secret-sharing-threshold must be a whole number, got ${flags.shamirSecretSharingThreshold}`);
  return n;
}

function configOf(cmd: Command): string | undefined {
  return cmd.optsWithGlobals<{ config?: string }>().config;
}

/** Runs a command body, turning sops errors into their exit codes. */
async function run(body: () => Promise<void>): Promise<void> {
  try {
    await loadLibrary();
    await body();
  } catch (e) {
    if (e instanceof CliExit) throw e;
    if (sopsLibrary !== undefined && e instanceof sopsLibrary.SopsError) throw new CliExit(e.exitCode, e.message);
    throw new CliExit(1, (e as Error).message);
  }
}

function checkIo(flags: IoFlags, file: string | undefined): void {
  const { ConflictingParametersError } = lib();
  if (flags.inPlace && flags.output) throw new ConflictingParametersError("Error: cannot operate on both --output and --in-place");
  if (file === undefined && flags.inPlace) throw new ConflictingParametersError("Error: cannot use --in-place when reading from stdin");
  if (file === undefined && !flags.filenameOverride && !flags.inputType) {
    throw new ConflictingParametersError("Error: must specify --filename-override (or --input-type) when reading from stdin");
  }
}

async function readInput(file: string | undefined): Promise<Buffer> {
  if (file !== undefined) {
    return io().readInputFile(file);
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function emit(out: Buffer, flags: IoFlags, file: string | undefined, content: "encrypted" | "plaintext"): Promise<void> {
  if (flags.inPlace && file !== undefined) await io().writeOutputFile({ path: file }, out, content);
  else if (flags.output) await io().writeOutputFile({ path: flags.output }, out, content);
  else process.stdout.write(out);
}

function formatsOf(flags: IoFlags, file: string | undefined): { format: StoreFormat; outputFormat: StoreFormat } {
  const name = flags.filenameOverride ?? file;
  const format = flags.inputType ?? (name !== undefined ? lib().formatFromPath(name) : "binary");
  const outputFormat = flags.outputType ?? (name !== undefined ? lib().formatFromPath(name) : format);
  return { format, outputFormat };
}

function printPlan(plan: UpdateKeysPlan): void {
  process.stdout.write("The following changes will be made to the file's groups:\n");
  if (plan.fromThreshold !== plan.toThreshold) process.stdout.write(`Shamir threshold: ${plan.fromThreshold} -> ${plan.toThreshold}\n`);
  plan.diffs.forEach((d, i) => {
    process.stdout.write(`Group ${i + 1}\n`);
    for (const a of d.added) process.stdout.write(`    +++ ${a}\n`);
    for (const r of d.removed) process.stdout.write(`    --- ${r}\n`);
  });
}

async function askYesNo(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    for (;;) {
      const answer = (await rl.question(question)).trim();
      if (answer === "y") return true;
      if (answer === "n") return false;
    }
  } finally {
    rl.close();
  }
}

export function registerSops(program: Command): void {
  const sops = program
    .command("sops")
    .description("SOPS-compatible encryption with age keys (same file format, flags and exit codes as sops 3.11)")
    .option("--config <path>", "path to .sops.yaml (also SOPS_CONFIG); default: searched from the working directory upwards")
    .addHelpText(
      "after",
      "\nDecryption keys are read as sops does: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD and\n" +
        "$XDG_CONFIG_HOME/sops/age/keys.txt (else ~/.config/sops/age/keys.txt), all combined.",
    );

  addKeyAndRuleOptions(
    sops
      .command("encrypt")
      .description("encrypt a file and print the result (or write it with -i / --output)")
      .argument("[file]", "the plaintext file (stdin when omitted)")
      .option("-i, --in-place", "write the output back to the file")
      .option("--output <path>", "write the output to this file")
      .addOption(typeOption("--input-type", "input"))
      .addOption(typeOption("--output-type", "output"))
      .option("--filename-override <path>", "use this path for format detection and .sops.yaml rule matching"),
  ).action(async (file: string | undefined, flags: IoFlags & RuleFlags, cmd: Command) =>
    run(async () => {
      checkIo(flags, file);
      const input = await readInput(file);
      const out = await lib().encryptBytes(input, {
        ...formatsOf(flags, file),
        recipients: recipientsFrom(flags),
        shamirThreshold: thresholdFrom(flags),
        rules: rulesFrom(flags),
        filePath: resolve(flags.filenameOverride ?? file ?? "stdin"),
        configPath: configOf(cmd),
        configSearchFrom: process.cwd(),
      });
      await emit(out, flags, file, "encrypted");
    }),
  );

  sops
    .command("decrypt")
    .description("decrypt a file and print the plaintext (or write it with -i / --output)")
    .argument("[file]", "the encrypted file (stdin when omitted)")
    .option("-i, --in-place", "write the plaintext back to the file")
    .option("--output <path>", "write the plaintext to this file (mode 0600)")
    .option("--extract <path>", `print only this value, e.g. '["data"]["password"]'`)
    .addOption(typeOption("--input-type", "input"))
    .addOption(typeOption("--output-type", "output"))
    .option("--ignore-mac", "do not check the Message Authentication Code")
    .option("--filename-override <path>", "use this path for format detection")
    .action(async (file: string | undefined, flags: IoFlags & { extract?: string; ignoreMac?: boolean }) =>
      run(async () => {
        checkIo(flags, file);
        const input = await readInput(file);
        const out = await lib().decryptBytes(input, {
          ...formatsOf(flags, file),
          ignoreMac: flags.ignoreMac,
          extract: flags.extract !== undefined ? lib().parseTreePath(flags.extract) : undefined,
        });
        await emit(out, flags, file, "plaintext");
      }),
    );

  addKeyAndRuleOptions(
    sops
      .command("edit")
      .description("edit a file in $SOPS_EDITOR / $EDITOR (decrypted to a private temp file), then re-encrypt it")
      .argument("<file>", "the encrypted file (created from an example if it does not exist)")
      .addOption(typeOption("--input-type", "input"))
      .option("--ignore-mac", "do not check the Message Authentication Code"),
  ).action(async (file: string, flags: IoFlags & RuleFlags & { ignoreMac?: boolean }, cmd: Command) =>
    run(async () => {
      await lib().editFile(file, {
        format: flags.inputType,
        ignoreMac: flags.ignoreMac,
        recipients: recipientsFrom(flags),
        shamirThreshold: thresholdFrom(flags),
        rules: rulesFrom(flags),
        configPath: configOf(cmd),
        configSearchFrom: process.cwd(),
      });
    }),
  );

  sops
    .command("set")
    .description(`set one value, given as JSON: sops set file.yaml '["key"][0]' '"value"' (written in place)`)
    .argument("<file>", "the encrypted file")
    .argument("<index>", `the path, e.g. '["key"]["sub"][0]'`)
    .argument("[value]", "the JSON value (or a file with --value-file, or stdin with --value-stdin)")
    .option("--value-file", "treat value as a file to read the value from")
    .option("--value-stdin", "read the value from stdin")
    .option("--idempotent", "do not write the file if the value is already set")
    .addOption(typeOption("--input-type", "input"))
    .addOption(typeOption("--output-type", "output"))
    .option("--ignore-mac", "do not check the Message Authentication Code")
    .action(async (file: string, index: string, value: string | undefined, flags: IoFlags & { valueFile?: boolean; valueStdin?: boolean; idempotent?: boolean; ignoreMac?: boolean }) =>
      run(async () => {
        if (flags.valueFile && flags.valueStdin) throw new CliExit(1, "Error: cannot use both --value-file and --value-stdin");
        let json: string;
        if (flags.valueStdin) {
          if (value !== undefined) throw new CliExit(100, "Error: file specified, or index and value are missing. Need precisely 2 positional arguments since --value-stdin is used.");
          json = (await readInput(undefined)).toString("utf8");
        } else {
          if (value === undefined) throw new CliExit(100, "Error: no file specified, or index and value are missing. Need precisely 3 positional arguments.");
          json = flags.valueFile ? readFileSync(value, "utf8") : value;
        }
        let path;
        try {
          path = lib().parseTreePath(index);
        } catch {
          throw new (lib().InvalidSetFormatError)("Invalid set index format");
        }
        await lib().setValue(file, path, lib().valueFromJson(json), {
          format: flags.inputType,
          outputFormat: flags.outputType,
          idempotent: flags.idempotent,
          ignoreMac: flags.ignoreMac,
        });
      }),
    );

  sops
    .command("unset")
    .description(`remove one value: sops unset file.yaml '["key"][0]' (written in place)`)
    .argument("<file>", "the encrypted file")
    .argument("<index>", `the path, e.g. '["key"]["sub"][0]'`)
    .option("--idempotent", "do not fail if the key does not exist")
    .addOption(typeOption("--input-type", "input"))
    .addOption(typeOption("--output-type", "output"))
    .option("--ignore-mac", "do not check the Message Authentication Code")
    .action(async (file: string, index: string, flags: IoFlags & { idempotent?: boolean; ignoreMac?: boolean }) =>
      run(async () => {
        let path;
        try {
          path = lib().parseTreePath(index);
        } catch {
          throw new (lib().InvalidSetFormatError)("Invalid unset index format");
        }
        await lib().unsetValue(file, path, { format: flags.inputType, outputFormat: flags.outputType, idempotent: flags.idempotent, ignoreMac: flags.ignoreMac });
      }),
    );

  sops
    .command("updatekeys")
    .description("re-wrap the data key for the keys of the file's .sops.yaml creation rule (values untouched)")
    .argument("<files...>", "the encrypted files")
    .option("-y, --yes", "do not ask for confirmation")
    .addOption(typeOption("--input-type", "input"))
    .option("--shamir-secret-sharing-threshold <n>", "number of key groups required to decrypt")
    .action(async (files: string[], flags: { yes?: boolean; inputType?: StoreFormat; shamirSecretSharingThreshold?: string }, cmd: Command) =>
      run(async () => {
        let failed = 0;
        for (const file of files) {
          try {
            process.stderr.write(`Syncing keys for file ${resolve(file)}\n`);
            const plan = await lib().updateKeys(file, {
              format: flags.inputType,
              configPath: configOf(cmd),
              configSearchFrom: process.cwd(),
              shamirThreshold: thresholdFrom(flags),
              confirm: async (p) => {
                printPlan(p);
                return flags.yes ? true : askYesNo("Is this okay? (y/n):");
              },
            });
            process.stderr.write(plan.changed ? `File ${resolve(file)} synced with new keys\n` : `File ${resolve(file)} already up to date\n`);
          } catch (e) {
            if (files.length === 1) throw e;
            failed++;
            process.stderr.write(`${(e as Error).message}\n`);
          }
        }
        if (failed > 0) throw new CliExit(1, `failed updating ${failed} key(s)`);
      }),
    );

  sops
    .command("rotate")
    .description("generate a new data key and re-encrypt every value with it")
    .argument("<file>", "the encrypted file")
    .option("-i, --in-place", "write the output back to the file")
    .option("--output <path>", "write the output to this file")
    .addOption(typeOption("--input-type", "input"))
    .addOption(typeOption("--output-type", "output"))
    .option("--add-age <recipients>", "comma-separated age recipients to add (to the first key group)")
    .option("--rm-age <recipients>", "comma-separated age recipients to remove")
    .action(async (file: string, flags: IoFlags & { addAge?: string; rmAge?: string }) =>
      run(async () => {
        checkIo(flags, file);
        const split = (s?: string) => (s ? s.split(",").map((x) => x.trim()).filter((x) => x !== "") : undefined);
        const out = await lib().rotate(file, { format: flags.inputType, outputFormat: flags.outputType, addAge: split(flags.addAge), rmAge: split(flags.rmAge) });
        await emit(out, flags, file, "encrypted");
      }),
    );

  sops
    .command("filestatus")
    .description('print {"encrypted":true} if the file carries sops metadata, else {"encrypted":false}')
    .argument("<file>", "the file to check")
    .addOption(typeOption("--input-type", "input"))
    .action(async (file: string, flags: { inputType?: StoreFormat }) =>
      run(async () => {
        const status = await lib().fileStatus(file, flags.inputType);
        process.stdout.write(`${JSON.stringify(status)}\n`);
      }),
    );
}

