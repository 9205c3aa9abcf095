/** After a rotation the stack file says what the tree now is: the cluster identity's pin and the operator recipients. */
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { existingModeOr, writeFileAtomic } from "../sops/index";

export interface StackRotation {
  /** The new cluster identity's recipient (talos-homelab:clusterAgeRecipient). */
  readonly clusterAgeRecipient?: string;
  /** The new operator recipients (talos-homelab:ageRecipients). */
  readonly ageRecipients?: readonly string[];
}

/** Writes the changed keys (comments and layout kept); returns the lines written. */
export async function writeStackRotation(stackFile: string, change: StackRotation): Promise<string[]> {
  const doc = parseDocument(readFileSync(stackFile, "utf8"));
  const written: string[] = [];
  if (change.clusterAgeRecipient !== undefined && doc.getIn(["config", "talos-homelab:clusterAgeRecipient"]) !== change.clusterAgeRecipient) {
    doc.setIn(["config", "talos-homelab:clusterAgeRecipient"], change.clusterAgeRecipient);
    written.push(`talos-homelab:clusterAgeRecipient: ${change.clusterAgeRecipient}`);
  }
  if (change.ageRecipients !== undefined) {
    const current = doc.getIn(["config", "talos-homelab:ageRecipients"]);
    const same = JSON.stringify((current as { toJSON?: () => unknown } | undefined)?.toJSON?.() ?? current) === JSON.stringify(change.ageRecipients);
    if (!same) {
      doc.setIn(["config", "talos-homelab:ageRecipients"], doc.createNode([...change.ageRecipients]));
      written.push(`talos-homelab:ageRecipients: [${change.ageRecipients.join(", ")}]`);
    }
  }
  if (written.length > 0) await writeFileAtomic(stackFile, doc.toString(), await existingModeOr(stackFile, 0o644));
  return written;
}
