/** A small GitOps tree with the project's files and a user's own SOPS files in every store, for the rotate tests. */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { manifestYaml, sopsAgeSecret } from "../../kubernetes";
import { decryptBytes, encryptBytes, formatFromPath, generateAgeIdentity } from "../../sops";

export type Key = { identity: string; recipient: string };

export interface RotateKeys {
  oldCluster: Key;
  newCluster: Key;
  keptOperator: Key;
  removedOperator: Key;
  addedOperator: Key;
}

export async function rotateKeys(): Promise<RotateKeys> {
  const [oldCluster, newCluster, keptOperator, removedOperator, addedOperator] = await Promise.all(
    [0, 1, 2, 3, 4].map(() => generateAgeIdentity()),
  );
  return { oldCluster, newCluster, keptOperator, removedOperator, addedOperator };
}

export const SOPS_AGE = "clusters/lab/flux-system/sops-age.sops.yaml";

/** The plaintext of every SOPS file of the fixture (the sops-age Secret's depends on the keys). */
export function plaintexts(keys: RotateKeys): Record<string, Buffer> {
  return {
    [SOPS_AGE]: Buffer.from(manifestYaml(sopsAgeSecret(keys.oldCluster.identity))),
    "clusters/lab/apps/db.sops.yaml": Buffer.from("apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\n    namespace: apps\nstringData:\n    password: user-db-password\n"),
    "clusters/lab/apps/settings.sops.json": Buffer.from('{\n\t"apiKey": "user-api-key",\n\t"retries": 3\n}'),
    "clusters/lab/apps/backup.sops.env": Buffer.from("S3_SECRET=user-s3-secret\nS3_BUCKET=backups\n"),
    "clusters/lab/apps/token.sops.bin": Buffer.from([0, 1, 2, 250, 255, 10, 42]),
    "talos/lab/secrets.sops.yaml": Buffer.from("cluster:\n    secret: talos-cluster-secret\n"),
  };
}

export function sopsConfigText(keys: RotateKeys): string {
  const ops = `${keys.keptOperator.recipient},${keys.removedOperator.recipient}`;
  return (
    "# a rule a person wrote, kept byte for byte\n" +
    "creation_rules:\n" +
    "  - path_regex: ^clusters/lab/.*\\.sops\\.ya?ml$\n" +
    "    encrypted_regex: ^(data|stringData)$\n" +
    `    age: ${ops},${keys.oldCluster.recipient}\n` +
    "  - path_regex: ^clusters/lab/\n" +
    `    age: ${ops},${keys.oldCluster.recipient}\n` +
    "  - path_regex: ^talos/lab/\n" +
    `    age: ${ops}\n`
  );
}

/** Writes the fixture tree (encrypted as sops would from its .sops.yaml) into a new temp folder. */
export async function makeRotateTree(keys: RotateKeys): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), "rotate-tree-"));
  writeFileSync(join(root, ".sops.yaml"), sopsConfigText(keys), { mode: 0o600 });
  writeFileSync(join(root, ".gitignore"), ".*.tmp\n");
  for (const [path, plain] of Object.entries(plaintexts(keys))) {
    const target = join(root, ...path.split("/"));
    mkdirSync(dirname(target), { recursive: true });
    const encrypted = await encryptBytes(plain, { format: formatFromPath(path), filePath: target, env: {} });
    writeFileSync(target, encrypted, { mode: 0o600 });
  }
  return root;
}

export function copyTree(root: string): string {
  const copy = mkdtempSync(join(tmpdir(), "rotate-copy-"));
  cpSync(root, copy, { recursive: true });
  return copy;
}

/** The file's plaintext with these identities only, `undefined` when they cannot open it. */
export async function openWith(root: string, path: string, identities: readonly string[]): Promise<Buffer | undefined> {
  try {
    return await decryptBytes(readFileSync(join(root, ...path.split("/"))), { format: formatFromPath(path), identities: [...identities], env: {} });
  } catch {
    return undefined;
  }
}
