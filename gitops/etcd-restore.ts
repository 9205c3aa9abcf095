/**
 * `talos-homelab etcd recover`: bootstrap etcd on a control plane from an encrypted snapshot (`talosctl bootstrap
 * --recover-from`). The snapshot is read, decrypted and hash-checked before any node is contacted; the node must be
 * waiting for bootstrap (fresh or reset control planes with their configs applied).
 */
import { promises as fs } from "node:fs";
import { resolve } from "node:path";
import type { ClientTlsMaterial } from "../talos/api/credentials";
import { type EtcdRecoveryClient, bootstrapWithRecovery } from "../talos/api/etcd-recovery";
import { adminTalosconfigOf, clusterInTree } from "./etcd-admin-talosconfig";
import { loadRecoverySnapshot } from "./etcd-recovery-source";
import { latestSnapshotFile } from "./etcd-snapshot-files";

export type ConnectRecoveryClient = (options: { endpoint: string; node?: string; tls: ClientTlsMaterial }) => EtcdRecoveryClient & { close(): void };

export interface EtcdRestoreRequest {
  /** The `.snapshot.sops` file to recover from, or a backup folder: its newest snapshot of the cluster. */
  readonly from: string;
  readonly treeDir: string;
  readonly cluster?: string;
  /** The control plane to bootstrap; default: the admin talosconfig's first endpoint (the one `pulumi up` bootstraps). */
  readonly node?: string;
  readonly endpoint?: string;
  readonly skipHashCheck?: boolean;
  /** How long to keep retrying while the node is not ready (default 900 s). */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly connect: ConnectRecoveryClient;
  readonly log?: (line: string) => void;
}

export interface EtcdRestoreResult {
  readonly cluster: string;
  readonly node: string;
  /** The snapshot file recovered from. */
  readonly from: string;
  readonly bytes: number;
}

/** Validates the snapshot, then uploads it and bootstraps etcd from it on one control plane. */
export async function restoreEtcdSnapshot(request: EtcdRestoreRequest): Promise<EtcdRestoreResult> {
  const treeDir = resolve(request.treeDir);
  const cluster = await clusterInTree(treeDir, request.cluster);
  const from = await snapshotPathOf(resolve(request.from), cluster);
  const snapshot = await loadRecoverySnapshot(from, {
    field: "--from",
    ...(request.env !== undefined ? { env: request.env } : {}),
    ...(request.skipHashCheck !== undefined ? { skipHashCheck: request.skipHashCheck } : {}),
  });
  const { context } = await adminTalosconfigOf(treeDir, cluster, request.env);
  const node = request.node ?? context.endpoints[0];
  if (node === undefined) throw new Error(`the admin talosconfig's context "${context.name}" has no endpoints: pass --node <control-plane IP>`);
  request.log?.(`recovering etcd on node ${node} from ${from} (${snapshot.length} bytes)`);
  const client = request.connect({ endpoint: request.endpoint ?? node, ...(request.endpoint !== undefined ? { node } : {}), tls: context });
  try {
    const outcome = await bootstrapWithRecovery(client, snapshot, { timeoutMs: request.timeoutMs ?? 900_000 }, { skipHashCheck: request.skipHashCheck ?? false }, request.log);
    if (outcome === "already-bootstrapped") {
      throw new Error(
        `etcd on node ${node} already has data, so nothing was recovered: recovery needs control planes waiting for bootstrap ` +
          "(new VMs, or nodes reset with `talosctl reset --system-labels-to-wipe EPHEMERAL`); see docs/operations.md, Disaster recovery",
      );
    }
  } finally {
    client.close();
  }
  return { cluster, node, from, bytes: snapshot.length };
}

/** A folder stands for its newest snapshot of the cluster; a file (or a missing path) for itself. */
async function snapshotPathOf(path: string, cluster: string): Promise<string> {
  const isFolder = await fs.stat(path).then((s) => s.isDirectory(), () => false);
  if (!isFolder) return path;
  const latest = await latestSnapshotFile(path, cluster);
  if (latest === undefined) throw new Error(`--from = "${path}": the folder holds no snapshot of ${cluster} (${cluster}-etcd-<time>.snapshot.sops)`);
  return latest.path;
}
