import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type BootstrapDeps, bootstrapInputs, createBootstrap } from "../../components/dynamic/bootstrap-logic";
import { takeEtcdSnapshot } from "../../gitops/etcd-backup";
import { loadRecoverySnapshot } from "../../gitops/etcd-recovery-source";
import type { TalosClient } from "../../talos/api/client";
import { TalosApiError } from "../../talos/api/errors";
import { bootstrapWithRecovery } from "../../talos/api/etcd-recovery";
import type { BootstrapRequest } from "../../talos/api/messages";
import { etcdTree, fakeSnapshot } from "../etcd/etcd-fixture";

/** The provider's real snapshot loading and recovery, with a recording node behind the client factory. */
function recoveryDeps(env: NodeJS.ProcessEnv, bootstrapAnswer: () => Promise<void> = async () => undefined) {
  const calls: { call: string; bytes?: Buffer; request?: Partial<BootstrapRequest> }[] = [];
  const node = {
    etcdRecover: async (bytes: Buffer) => void calls.push({ call: "etcdRecover", bytes }),
    bootstrap: async (request?: Partial<BootstrapRequest>) => {
      calls.push({ call: "bootstrap", ...(request !== undefined ? { request } : {}) });
      await bootstrapAnswer();
      return { messages: [] };
    },
    close: () => void calls.push({ call: "close" }),
  };
  const deps: BootstrapDeps = {
    client: () => {
      calls.push({ call: "connect" });
      return node as unknown as TalosClient;
    },
    bootstrap: async () => Promise.reject(new Error("test: plain bootstrap must not run when recovering")),
    loadRecoverySnapshot: (path) => loadRecoverySnapshot(path, { field: "talos-homelab:etcdRecoverFrom", env }),
    recover: (client, snapshot, policy, log) => bootstrapWithRecovery(client, snapshot, policy, {}, log),
    log: () => undefined,
  };
  return { deps, calls };
}

describe("TalosBootstrap with etcdRecoverFrom", () => {
  it("uploads the decrypted snapshot and bootstraps with recover_etcd; records where it recovered from", async () => {
    const tree = await etcdTree();
    const served = fakeSnapshot();
    const { path } = await takeEtcdSnapshot({ treeDir: tree.dir, env: tree.env, connect: () => ({ etcdSnapshot: async () => served, close: () => undefined }) });
    const { deps, calls } = recoveryDeps(tree.env);
    const { outs } = await createBootstrap(bootstrapInputs({ node: "127.0.0.11", talosconfig: "t", recoverFrom: path }), deps);
    expect(outs).toEqual({ node: "127.0.0.11", outcome: "bootstrapped", recoveredFrom: path });
    expect(calls).toEqual([
      { call: "connect" },
      { call: "etcdRecover", bytes: served },
      { call: "bootstrap", request: { recoverEtcd: true, recoverSkipHashCheck: false } },
      { call: "close" },
    ]);
  });

  it("a snapshot that cannot be used fails before the node is contacted", async () => {
    const tree = await etcdTree();
    const { deps, calls } = recoveryDeps(tree.env);
    const missing = join(tree.dir, "gone.snapshot.sops");
    await expect(createBootstrap(bootstrapInputs({ node: "127.0.0.11", talosconfig: "t", recoverFrom: missing }), deps)).rejects.toThrow(
      `talos-homelab:etcdRecoverFrom = "${missing}": does not exist`,
    );
    expect(calls).toEqual([]);
  });

  it("a node whose etcd already has data is an error, not a silent 'already bootstrapped'", async () => {
    const tree = await etcdTree();
    const { path } = await takeEtcdSnapshot({ treeDir: tree.dir, env: tree.env, connect: () => ({ etcdSnapshot: async () => fakeSnapshot(), close: () => undefined }) });
    const { deps, calls } = recoveryDeps(tree.env, async () => {
      throw new TalosApiError("Bootstrap", { endpoint: "127.0.0.11" }, 6, "etcd data directory is not empty");
    });
    await expect(createBootstrap(bootstrapInputs({ node: "127.0.0.11", talosconfig: "t", recoverFrom: path }), deps)).rejects.toThrow(
      /TalosBootstrap: etcd on node 127\.0\.0\.11 already has data, so nothing was recovered from .*remove talos-homelab:etcdRecoverFrom/,
    );
    expect(calls.at(-1)).toEqual({ call: "close" });
  });
});
