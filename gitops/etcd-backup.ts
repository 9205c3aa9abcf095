/**
 * `talos-homelab etcd snapshot`: an etcd snapshot from a control plane over the Talos API (the admin talosconfig from
 * the tree, decrypted in memory), written SOPS-encrypted (binary store) under a UTC timestamp, 0600, created whole or
 * not at all; optionally only the newest N snapshots of the cluster are kept.
 */
import { promises as fs } from "node:fs";
import { join, resolve } from "node:path";
import { createFileExclusive } from "../sops/index";
import type { ClientTlsMaterial } from "../talos/api/credentials";
import type { TalosconfigContext } from "../talos/api/talosconfig-context";
import { adminTalosconfigOf, clusterInTree } from "./etcd-admin-talosconfig";
import { snapshotIntegrityProblem } from "../talos/etcd/snapshot-integrity";
import { encryptSnapshot } from "./etcd-snapshot-cipher";
import { defaultSnapshotDir, pruneSnapshotFiles, snapshotFileName } from "./etcd-snapshot-files";

/** What taking a snapshot needs of a Talos API client (TalosClient has these methods). */
export interface SnapshotClient {
  etcdSnapshot(): Promise<Buffer>;
  close(): void;
}

export type ConnectSnapshotClient = (options: { endpoint: string; node?: string; tls: ClientTlsMaterial }) => SnapshotClient;

export interface EtcdSnapshotRequest {
  /** Root of the GitOps tree (where talos/<cluster>/talosconfig.sops.yaml is). */
  readonly treeDir: string;
  /** Default: the only cluster under talos/ in the tree. */
  readonly cluster?: string;
  /** Backup folder; default talos/<cluster>/etcd-snapshots in the tree. */
  readonly outDir?: string;
  /** Keep only the newest N snapshots of the cluster in the folder. */
  readonly keep?: number;
  /** The control plane to snapshot; default: the talosconfig's endpoints, first that answers. */
  readonly node?: string;
  /** Dial this endpoint and proxy to the node; default: dial the node. */
  readonly endpoint?: string;
  /** age recipients; default: the recipients of the admin talosconfig (whoever may use it may read the snapshot). */
  readonly recipients?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => Date;
  readonly connect: ConnectSnapshotClient;
  readonly log?: (line: string) => void;
}

export interface EtcdSnapshotResult {
  readonly cluster: string;
  readonly path: string;
  readonly node: string;
  readonly bytes: number;
  readonly recipients: readonly string[];
  readonly pruned: readonly string[];
}

/** Asks each candidate control plane in turn; the first complete, hash-checked snapshot wins. */
async function snapshotFromFirstAnswering(request: EtcdSnapshotRequest, context: TalosconfigContext): Promise<{ node: string; snapshot: Buffer }> {
  const nodes = request.node !== undefined ? [request.node] : context.endpoints.length > 0 ? context.endpoints : context.nodes;
  if (nodes.length === 0) throw new Error(`the admin talosconfig's context "${context.name}" has no endpoints: pass --node <control-plane IP>`);
  const failures: string[] = [];
  for (const node of nodes) {
    const client = request.connect({ endpoint: request.endpoint ?? node, ...(request.endpoint !== undefined ? { node } : {}), tls: context });
    try {
      const snapshot = await client.etcdSnapshot();
      const problem = snapshotIntegrityProblem(snapshot);
      if (problem !== undefined) throw new Error(`the snapshot node ${node} sent is not usable: ${problem}; nothing was written`);
      return { node, snapshot };
    } catch (err) {
      failures.push((err as Error).message);
      if (nodes.length > 1) request.log?.(`etcd snapshot from ${node} failed: ${(err as Error).message}`);
    } finally {
      client.close();
    }
  }
  throw new Error(failures.length === 1 ? (failures[0] as string) : `no control plane gave a snapshot:\n  - ${failures.join("\n  - ")}`);
}

/** Takes one snapshot, writes it encrypted, then prunes; returns what was written and deleted. */
export async function takeEtcdSnapshot(request: EtcdSnapshotRequest): Promise<EtcdSnapshotResult> {
  if (request.keep !== undefined && (!Number.isInteger(request.keep) || request.keep < 1)) {
    throw new Error(`--keep ${request.keep}: must be a whole number of at least 1 (the snapshot just taken counts)`);
  }
  const treeDir = resolve(request.treeDir);
  const cluster = await clusterInTree(treeDir, request.cluster);
  const { context, recipients: talosconfigRecipients } = await adminTalosconfigOf(treeDir, cluster, request.env);
  const recipients = request.recipients !== undefined && request.recipients.length > 0 ? [...request.recipients] : talosconfigRecipients;
  const { node, snapshot } = await snapshotFromFirstAnswering(request, context);
  const at = (request.now ?? (() => new Date()))();
  const encrypted = await encryptSnapshot(snapshot, recipients, at);
  const outDir = resolve(treeDir, request.outDir ?? defaultSnapshotDir(cluster));
  await fs.mkdir(outDir, { recursive: true });
  const path = join(outDir, snapshotFileName(cluster, at));
  if (!(await createFileExclusive(path, encrypted, 0o600))) {
    throw new Error(`${path} already exists (a snapshot taken in the same second): nothing was overwritten; run it again`);
  }
  const pruned = request.keep !== undefined ? await pruneSnapshotFiles(outDir, cluster, request.keep) : [];
  return { cluster, path, node, bytes: snapshot.length, recipients, pruned };
}
