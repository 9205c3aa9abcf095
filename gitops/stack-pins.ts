/** Writes render's pins into the stack file (as `pulumi config set` would), keeping its comments and layout. */
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { existingModeOr, writeFileAtomic } from "../sops/index";
import type { StackPins } from "./tree-trust";

export async function writeStackPins(stackFile: string, pins: StackPins): Promise<string[]> {
  const doc = parseDocument(readFileSync(stackFile, "utf8"));
  const written: string[] = [];
  for (const [key, value] of Object.entries(pins)) {
    if (value === undefined) continue;
    const path = ["config", `talos-homelab:${key}`];
    if (doc.getIn(path) === value) continue;
    doc.setIn(path, value);
    written.push(`talos-homelab:${key}: ${value}`);
  }
  if (written.length > 0) await writeFileAtomic(stackFile, doc.toString(), await existingModeOr(stackFile, 0o644));
  return written;
}
