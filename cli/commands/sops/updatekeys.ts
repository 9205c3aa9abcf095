import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import type { StoreFormat, UpdateKeysPlan } from "../../../sops/index";
import { lib } from "./library";
import { CliExit } from "../../exit";
import { run } from "./io";
import { configOf, thresholdFrom, typeOption } from "./options";

interface UpdateKeysFlags {
  yes?: boolean;
  inputType?: StoreFormat;
  shamirSecretSharingThreshold?: string;
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

async function updateOne(file: string, flags: UpdateKeysFlags, cmd: Command): Promise<void> {
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
}

export function registerUpdateKeys(sops: Command): void {
  sops
    .command("updatekeys")
    .description("re-wrap the data key for the keys of the file's .sops.yaml creation rule (values untouched)")
    .argument("<files...>", "the encrypted files")
    .option("-y, --yes", "do not ask for confirmation")
    .addOption(typeOption("--input-type", "input"))
    .option("--shamir-secret-sharing-threshold <n>", "number of key groups required to decrypt")
    .action(async (files: string[], flags: UpdateKeysFlags, cmd: Command) =>
      run(async () => {
        // One file fails with its own code; several go on past a failure and exit 1 at the end, as sops does.
        if (files.length === 1) return updateOne(files[0] as string, flags, cmd);
        let failed = 0;
        for (const file of files) {
          try {
            await updateOne(file, flags, cmd);
          } catch (e) {
            failed++;
            process.stderr.write(`${(e as Error).message}\n`);
          }
        }
        if (failed > 0) throw new CliExit(lib().ExitCode.ErrorGeneric, `failed updating ${failed} key(s)`);
      }),
    );
}
