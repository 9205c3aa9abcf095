/** The admin talosconfig of a cluster in the GitOps tree, decrypted in memory with the operator's age identity. */
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { decryptBytes, readRecipients } from "../sops/index";
import { type TalosconfigContext, parseTalosconfigContext } from "../talos/api/talosconfig-context";
import { treePaths } from "./tree-layout";

/** The one cluster the tree holds a talosconfig for, unless named. */
export async function clusterInTree(treeDir: string, cluster: string | undefined): Promise<string> {
  if (cluster !== undefined) return cluster;
  let names: string[] = [];
  try {
    names = await fs.readdir(join(treeDir, "talos"));
  } catch {
    // no talos/ folder: reported below
  }
  const withTalosconfig: string[] = [];
  for (const name of names.sort()) {
    if (await fs.stat(join(treeDir, treePaths.talosconfig(name))).then((s) => s.isFile(), () => false)) withTalosconfig.push(name);
  }
  if (withTalosconfig.length === 1) return withTalosconfig[0] as string;
  throw new Error(
    withTalosconfig.length === 0
      ? `no talos/<cluster>/talosconfig.sops.yaml under ${treeDir}: run it in the GitOps tree (or pass --tree DIR), after \`talos-homelab render\` or \`pulumi up\``
      : `the tree holds several clusters (${withTalosconfig.join(", ")}): pass --cluster NAME`,
  );
}

/** The current context of talos/<cluster>/talosconfig.sops.yaml, and the recipients the file is encrypted to. */
export async function adminTalosconfigOf(
  treeDir: string,
  cluster: string,
  env: NodeJS.ProcessEnv | undefined,
): Promise<{ context: TalosconfigContext; recipients: string[] }> {
  const path = join(treeDir, treePaths.talosconfig(cluster));
  let encrypted: Buffer;
  try {
    encrypted = await fs.readFile(path);
  } catch (err) {
    throw new Error(`cannot read the admin talosconfig ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): restore it from Git or re-render the tree`);
  }
  let recipients: string[];
  try {
    recipients = readRecipients(encrypted, "yaml");
  } catch (err) {
    throw new Error(`the admin talosconfig ${path} is not a SOPS-encrypted file (${(err as Error).message.split("\n")[0]}): restore it from Git or re-render the tree`);
  }
  let plain: Buffer;
  try {
    plain = await decryptBytes(encrypted, { format: "yaml", ...(env !== undefined ? { env } : {}) });
  } catch (err) {
    throw new Error(
      `cannot decrypt the admin talosconfig ${path} (${(err as Error).message.split("\n")[0]}): it is encrypted to ${recipients.join(", ")}; ` +
        "make the identity of one of them available (SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or ~/.config/sops/age/keys.txt)",
    );
  }
  return { context: parseTalosconfigContext(plain.toString("utf8")), recipients };
}
