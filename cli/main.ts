import { Command, CommanderError } from "commander";
import { registerCommands } from "./commands/index";
import { CliExit } from "./exit";

export function buildProgram(): Command {
  const program = new Command("talos-homelab")
    .description("Talos Linux on Proxmox VE with SOPS-encrypted GitOps outputs")
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  return program;
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CliExit) {
      // every message passes the one redaction (sops/redact.ts); loaded here so start-up does not load the SOPS bundle
      if (err.message) process.stderr.write(`${(await import("../sops/index.js")).redactKeyMaterial(err.message)}\n`);
      return err.code;
    }
    if (err instanceof CommanderError) {
      return err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help" ? 0 : err.exitCode || 1;
    }
    throw err;
  }
}
