import { promises as fs } from "node:fs";
import type { Command } from "commander";
import { CliExit } from "../exit";

export function registerAge(program: Command): void {
  const age = program.command("age").description("age identities for SOPS");
  age
    .command("keygen")
    .description("create an age identity (X25519), like age-keygen")
    .option("-o, --output <file>", "write the new identity to this file (0600; refuses to overwrite); '-' prints it")
    .addHelpText(
      "after",
      "\nWithout -o, the identity at sops's default location ($XDG_CONFIG_HOME/sops/age/keys.txt, else\n" +
        "~/.config/sops/age/keys.txt) is created if missing (0600 in a 0700 folder) and its recipient printed.",
    )
    .action(async (flags: { output?: string }) => {
      // loaded on use (a bundle of its own in dist/): `--help` and the other commands do not pay for age and its curves
      const { ensureDefaultAgeIdentity, formatAgeKeyFile, generateAgeIdentity } = await import("../../sops/index.js");
      if (flags.output === "-") {
        const { identity, recipient } = await generateAgeIdentity();
        process.stdout.write(formatAgeKeyFile(identity, recipient));
        return;
      }
      if (flags.output !== undefined) {
        const { identity, recipient } = await generateAgeIdentity();
        try {
          await fs.writeFile(flags.output, formatAgeKeyFile(identity, recipient), { mode: 0o600, flag: "wx" });
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          throw new CliExit(1, code === "EEXIST" ? `age keygen: ${flags.output} already exists; choose another file or remove it first` : `age keygen: cannot write ${flags.output}: ${(e as Error).message}`);
        }
        process.stderr.write(`Public key: ${recipient}\n`);
        process.stdout.write(`${recipient}\n`);
        return;
      }
      let result;
      try {
        result = await ensureDefaultAgeIdentity();
      } catch (e) {
        throw new CliExit(1, `age keygen: ${(e as Error).message}`);
      }
      const banner = "!".repeat(72);
      process.stderr.write(
        result.created
          ? `${banner}\nCreated a new age identity at ${result.path} (mode 0600).\n` +
              `BACK IT UP NOW (password manager or offline copy): without it, every file encrypted to\n${result.recipient}\ncan never be decrypted again.\n${banner}\n`
          : `Using the existing age identity at ${result.path}. Keep a backup of it.\n`,
      );
      process.stdout.write(`${result.recipient}\n`);
    });
}
