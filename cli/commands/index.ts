import type { Command } from "commander";
import { registerAge } from "./age";
import { registerCheckCommand } from "./check";
import { registerEtcd } from "./etcd";
import { registerRenderCommand } from "./render";
import { registerRotateCommand } from "./rotate";
import { registerSops } from "./sops";

/** Each command module adds itself here; one file per top-level command. */
export function registerCommands(program: Command): void {
  registerSops(program);
  registerAge(program);
  registerRenderCommand(program);
  registerCheckCommand(program);
  registerRotateCommand(program);
  registerEtcd(program);
}
