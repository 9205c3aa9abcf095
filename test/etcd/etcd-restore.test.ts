import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { takeEtcdSnapshot } from "../../gitops/etcd-backup";
import { loadRecoverySnapshot } from "../../gitops/etcd-recovery-source";
import { encryptSnapshot } from "../../gitops/etcd-snapshot-cipher";
import { restoreEtcdSnapshot } from "../../gitops/etcd-restore";
import { TalosApiError } from "../../talos/api/errors";
import type { BootstrapRequest } from "../../talos/api/messages";
import { etcdTree, fakeSnapshot, unavailable } from "./etcd-fixture";

type Step = { call: "connect"; endpoint: string; node?: string } | { call: "etcdRecover"; bytes: Buffer } | { call: "bootstrap"; request: Partial<BootstrapRequest> | undefined } | { call: "close" };

/** A scripted node: each call takes the next scripted failure, if any, and records what it got. */
function scriptedNode(failures: { etcdRecover?: unknown[]; bootstrap?: unknown[] } = {}) {
  const steps: Step[] = [];
  const connect = (options: { endpoint: string; node?: string }) => {
    steps.push({ call: "connect", endpoint: options.endpoint, ...(options.node !== undefined ? { node: options.node } : {}) });
    return {
      async etcdRecover(bytes: Buffer) {
        steps.push({ call: "etcdRecover", bytes });
        const failure = failures.etcdRecover?.shift();
        if (failure !== undefined) throw failure;
      },
      async bootstrap(request?: Partial<BootstrapRequest>) {
        steps.push({ call: "bootstrap", request });
        const failure = failures.bootstrap?.shift();
        if (failure !== undefined) throw failure;
        return { messages: [] };
      },
      close: () => void steps.push({ call: "close" }),
    };
  };
  return { steps, connect };
}

async function treeWithSnapshot(snapshot = fakeSnapshot()) {
  const tree = await etcdTree();
  const { path } = await takeEtcdSnapshot({ treeDir: tree.dir, env: tree.env, node: "127.0.0.11", connect: () => ({ etcdSnapshot: async () => snapshot, close: () => undefined }) });
  return { tree, path, snapshot };
}

describe("the recovery snapshot is checked before anything is contacted or created", () => {
  it("a missing file, a folder, a file that is not a SOPS snapshot: the field, the value and the fix", async () => {
    const tree = await etcdTree();
    const options = { field: "talos-homelab:etcdRecoverFrom", env: tree.env };
    await expect(loadRecoverySnapshot(join(tree.dir, "nope.snapshot.sops"), options)).rejects.toThrow(
      /^talos-homelab:etcdRecoverFrom = ".*nope\.snapshot\.sops": does not exist: give the path of a snapshot written by `talos-homelab etcd snapshot`/,
    );
    await expect(loadRecoverySnapshot(tree.dir, options)).rejects.toThrow(/: is a folder: give one snapshot file in it/);
    const plain = join(tree.dir, "db.snapshot");
    writeFileSync(plain, fakeSnapshot());
    await expect(loadRecoverySnapshot(plain, options)).rejects.toThrow(/db\.snapshot": is not a SOPS-encrypted snapshot/);
  });

  it("a snapshot the operator cannot decrypt names its recipients and shows no key", async () => {
    const { tree, path } = await treeWithSnapshot();
    const attempt = loadRecoverySnapshot(path, { field: "--from", env: tree.envWithoutKey });
    await expect(attempt).rejects.toThrow(new RegExp(`^--from = ".*": cannot be decrypted \\(.*\\): it is encrypted to ${tree.recipient}; make the identity of one of them available`));
    await attempt.catch((e: Error) => expect(e.message).not.toMatch(/AGE-SECRET-KEY-1[0-9A-Z]/));
  });

  it("a snapshot whose etcd hash does not match is refused; one without a hash only with skipHashCheck", async () => {
    const tree = await etcdTree();
    const corrupt = fakeSnapshot();
    corrupt[100] ^= 1;
    const corruptFile = join(tree.dir, "corrupt.snapshot.sops");
    writeFileSync(corruptFile, await encryptSnapshot(corrupt, [tree.recipient], new Date()));
    await expect(loadRecoverySnapshot(corruptFile, { field: "--from", env: tree.env })).rejects.toThrow(/decrypts, but its trailing SHA-256 does not match the 12288 bytes before it/);
    const copied = fakeSnapshot().subarray(0, 8192); // a database file copied from /var/lib/etcd: no hash
    const copiedFile = join(tree.dir, "copied.snapshot.sops");
    writeFileSync(copiedFile, await encryptSnapshot(copied, [tree.recipient], new Date()));
    await expect(loadRecoverySnapshot(copiedFile, { field: "--from", env: tree.env })).rejects.toThrow(/end without etcd's SHA-256/);
    expect((await loadRecoverySnapshot(copiedFile, { field: "--from", env: tree.env, skipHashCheck: true })).equals(copied)).toBe(true);
  });

  it("etcd recover with a bad --from contacts no node", async () => {
    const tree = await etcdTree();
    const node = scriptedNode();
    await expect(restoreEtcdSnapshot({ from: join(tree.dir, "missing.snapshot.sops"), treeDir: tree.dir, env: tree.env, connect: node.connect })).rejects.toThrow(/^--from = .*does not exist/);
    expect(node.steps).toEqual([]);
  });
});

describe("talos-homelab etcd recover (restoreEtcdSnapshot)", () => {
  it("uploads the decrypted snapshot to the first control plane, then bootstraps with recover_etcd (hash checked by Talos too)", async () => {
    const { tree, path, snapshot } = await treeWithSnapshot();
    const node = scriptedNode();
    const result = await restoreEtcdSnapshot({ from: path, treeDir: tree.dir, env: tree.env, connect: node.connect });
    expect(result).toEqual({ cluster: "lab", node: "127.0.0.11", from: path, bytes: snapshot.length });
    expect(node.steps).toEqual([
      { call: "connect", endpoint: "127.0.0.11" },
      { call: "etcdRecover", bytes: snapshot },
      { call: "bootstrap", request: { recoverEtcd: true, recoverSkipHashCheck: false } },
      { call: "close" },
    ]);
  });

  it("retries the upload and the bootstrap while the node is not ready yet, through the endpoint to --node", async () => {
    const { tree, path, snapshot } = await treeWithSnapshot();
    const notYet = new TalosApiError("Bootstrap", { endpoint: "127.0.0.12" }, status.FAILED_PRECONDITION, "bootstrap is not available yet");
    const node = scriptedNode({ etcdRecover: [unavailable("127.0.0.12", "EtcdRecover")], bootstrap: [notYet] });
    await restoreEtcdSnapshot({ from: path, treeDir: tree.dir, env: tree.env, node: "127.0.0.12", endpoint: "127.0.0.11", connect: node.connect, timeoutMs: 60_000 });
    expect(node.steps.map((s) => s.call)).toEqual(["connect", "etcdRecover", "etcdRecover", "bootstrap", "etcdRecover", "bootstrap", "close"]);
    expect(node.steps[0]).toEqual({ call: "connect", endpoint: "127.0.0.11", node: "127.0.0.12" });
    expect(node.steps.filter((s) => s.call === "etcdRecover").every((s) => s.call === "etcdRecover" && s.bytes.equals(snapshot))).toBe(true);
  }, 30_000);

  it("a node whose etcd already has data: a clear error, nothing recovered; Talos's own refusal is passed on", async () => {
    const { tree, path } = await treeWithSnapshot();
    const exists = new TalosApiError("Bootstrap", { endpoint: "127.0.0.11" }, status.ALREADY_EXISTS, "etcd data directory is not empty");
    await expect(restoreEtcdSnapshot({ from: path, treeDir: tree.dir, env: tree.env, connect: scriptedNode({ bootstrap: [exists] }).connect })).rejects.toThrow(
      /etcd on node 127\.0\.0\.11 already has data, so nothing was recovered/,
    );
    const refused = new TalosApiError("EtcdRecover", { endpoint: "127.0.0.11" }, status.INVALID_ARGUMENT, "snapshot is not valid");
    await expect(restoreEtcdSnapshot({ from: path, treeDir: tree.dir, env: tree.env, connect: scriptedNode({ etcdRecover: [refused] }).connect })).rejects.toThrow(
      "Talos API EtcdRecover on node 127.0.0.11 failed: INVALID_ARGUMENT: snapshot is not valid",
    );
  });

  it("the snapshot file on disk is never changed by a recovery", async () => {
    const { tree, path } = await treeWithSnapshot();
    const before = readFileSync(path);
    mkdirSync(join(tree.dir, "x"));
    await restoreEtcdSnapshot({ from: path, treeDir: tree.dir, env: tree.env, connect: scriptedNode().connect });
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});

describe("etcd recover --from <folder>", () => {
  it("recovers from the cluster's newest snapshot in the folder; an empty folder is a clear error", async () => {
    const tree = await etcdTree();
    const connect = (snapshot: Buffer) => () => ({ etcdSnapshot: async () => snapshot, close: () => undefined });
    const older = fakeSnapshot(2, 1);
    const newer = fakeSnapshot(2, 2);
    await takeEtcdSnapshot({ treeDir: tree.dir, env: tree.env, now: () => new Date("2026-01-01T00:00:00Z"), connect: connect(older) });
    const latest = await takeEtcdSnapshot({ treeDir: tree.dir, env: tree.env, now: () => new Date("2026-02-01T00:00:00Z"), connect: connect(newer) });
    const node = scriptedNode();
    const folder = join(tree.dir, "talos/lab/etcd-snapshots");
    const result = await restoreEtcdSnapshot({ from: folder, treeDir: tree.dir, env: tree.env, connect: node.connect });
    expect(result.from).toBe(latest.path);
    expect(node.steps[1]).toEqual({ call: "etcdRecover", bytes: newer });
    mkdirSync(join(tree.dir, "empty"));
    await expect(restoreEtcdSnapshot({ from: join(tree.dir, "empty"), treeDir: tree.dir, env: tree.env, connect: node.connect })).rejects.toThrow(/the folder holds no snapshot of lab/);
  });
});
