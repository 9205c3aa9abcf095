/**
 * Where `talos-homelab etcd snapshot` writes, and how its files are named: `<cluster>-etcd-<UTC timestamp>.snapshot.sops`.
 * The name does not end in .yaml/.json/.env/.ini, so sops (ours and the real one) treats the file as the binary store:
 * `sops -d FILE` prints the snapshot's exact bytes.
 */
import { promises as fs } from "node:fs";
import { join } from "node:path";

/** The default backup folder, relative to the GitOps tree's root. */
export function defaultSnapshotDir(cluster: string): string {
  return `talos/${cluster}/etcd-snapshots`;
}

/** `20261206T235217Z`: sortable as text, no `:` (safe in every file system). */
export function snapshotTimestamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

export function snapshotFileName(cluster: string, at: Date): string {
  return `${cluster}-etcd-${snapshotTimestamp(at)}.snapshot.sops`;
}

const FILE = /^(.+)-etcd-(\d{8}T\d{6}Z)\.snapshot\.sops$/;

export interface SnapshotFile {
  readonly name: string;
  readonly path: string;
  readonly cluster: string;
  readonly timestamp: string;
}

/** The cluster's snapshot files in `dir`, newest first; other files (other clusters, temp files) are not listed. */
export async function listSnapshotFiles(dir: string, cluster: string): Promise<SnapshotFile[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return names
    .map((name) => ({ name, match: FILE.exec(name) }))
    .filter(({ match }) => match !== null && match[1] === cluster)
    .map(({ name, match }) => ({ name, path: join(dir, name), cluster, timestamp: (match as RegExpExecArray)[2] as string }))
    .sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0));
}

/** The newest snapshot of the cluster in `dir`, if any. */
export async function latestSnapshotFile(dir: string, cluster: string): Promise<SnapshotFile | undefined> {
  return (await listSnapshotFiles(dir, cluster))[0];
}

/** Deletes all but the newest `keep` snapshots of the cluster in `dir`; returns the deleted files' paths. */
export async function pruneSnapshotFiles(dir: string, cluster: string, keep: number): Promise<string[]> {
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`keep must be a whole number of at least 1 (got ${keep})`);
  const old = (await listSnapshotFiles(dir, cluster)).slice(keep);
  for (const file of old) await fs.rm(file.path, { force: true });
  return old.map((file) => file.path);
}
