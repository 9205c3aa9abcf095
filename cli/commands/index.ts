import type { Command } from "commander";

/** Each command module adds itself here; one file per top-level command. */
export function registerCommands(program: Command): void {
  void program;
}
