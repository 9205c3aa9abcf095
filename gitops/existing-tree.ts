/** Reads what a previous render left in the tree, so that secrets are reused instead of regenerated. */
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { decryptText, parseBoundedYaml } from "../sops/index";
import { UndecryptableTreeFileError } from "./undecryptable";

/** The decrypted content of `relPath` under `root`, `undefined` when the file does not exist. */
export async function decryptTreeFile(root: string, relPath: string, identities: readonly string[]): Promise<string | undefined> {
  let text: string;
  try {
    text = await fs.readFile(join(root, ...relPath.split("/")), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    return await decryptText(text, { format: "yaml", identities: [...identities], env: {} });
  } catch (e) {
    throw new UndecryptableTreeFileError(relPath, text, e);
  }
}

interface SecretManifest {
  data?: Record<string, unknown>;
  stringData?: Record<string, unknown>;
}

/** The value of `key` in a Kubernetes Secret manifest (`stringData` as is, `data` base64-decoded). */
export function secretValue(manifestYaml: string, key: string): string | undefined {
  const doc = parseBoundedYaml(manifestYaml, "the manifest") as SecretManifest | null;
  const plain = doc?.stringData?.[key];
  if (typeof plain === "string") return plain;
  const encoded = doc?.data?.[key];
  if (typeof encoded === "string") return Buffer.from(encoded, "base64").toString("utf8");
  return undefined;
}
