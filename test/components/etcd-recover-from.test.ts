import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { encryptSnapshot } from "../../gitops/etcd-snapshot-cipher";
import { takeEtcdSnapshot } from "../../gitops/etcd-backup";
import { etcdTree, fakeSnapshot } from "../etcd/etcd-fixture";
import { dynamicMock, stackConfig } from "./homelab-fixture";
import { runProgram } from "./pulumi-harness";

const BOOTSTRAP = "pulumi-nodejs:dynamic/talos-homelab:TalosBootstrap";
const savedKeyFile = process.env.SOPS_AGE_KEY_FILE;
afterEach(() => {
  if (savedKeyFile === undefined) delete process.env.SOPS_AGE_KEY_FILE;
  else process.env.SOPS_AGE_KEY_FILE = savedKeyFile;
});

/**
 * A failed preflight rejects the component's registration, and every child's inputs reject with the same RunError:
 * Pulumi's language host reports that error once (it de-duplicates by identity) and fails the program. Here the
 * rejections are collected instead of failing the test file, and each must be that RunError.
 */
async function collectingRejections<T>(body: () => Promise<T>): Promise<{ result: T; rejections: unknown[] }> {
  const saved = process.listeners("unhandledRejection");
  const rejections: unknown[] = [];
  const collect = (reason: unknown) => void rejections.push(reason);
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", collect);
  try {
    const result = await body();
    await new Promise((done) => setTimeout(done, 200));
    return { result, rejections };
  } finally {
    process.off("unhandledRejection", collect);
    for (const listener of saved) process.on("unhandledRejection", listener);
  }
}

/** Runs index.ts under mocks with etcdRecoverFrom; resolves to the run or the error, and which dynamic resources were created. */
async function runWith(recoverFrom: string) {
  const { config, secretKeys } = await stackConfig((c) => {
    c["talos-homelab:etcdRecoverFrom"] = recoverFrom;
    c["talos-homelab:secretsImportFrom"] = "talos/homelab/secrets.sops.yaml";
  });
  const created: string[] = [];
  const mock = dynamicMock();
  return runProgram(config, secretKeys, { dynamic: async (type, name, inputs) => (created.push(type), mock(type, name, inputs)) }).then(
    (run) => ({ run, error: undefined, created }),
    (error: Error) => ({ run: undefined, error, created }),
  );
}

describe("etcdRecoverFrom under the Pulumi mocks (index.ts with Pulumi.homelab.yaml)", () => {
  it("a snapshot that exists and decrypts: the bootstrap gets its absolute path; every resource is still created", async () => {
    const tree = await etcdTree();
    process.env.SOPS_AGE_KEY_FILE = tree.env.SOPS_AGE_KEY_FILE;
    const { path } = await takeEtcdSnapshot({ treeDir: tree.dir, env: tree.env, connect: () => ({ etcdSnapshot: async () => fakeSnapshot(), close: () => undefined }) });
    const { run, error } = await runWith(path);
    expect(error).toBeUndefined();
    const bootstraps = run?.byType(BOOTSTRAP) ?? [];
    expect(bootstraps.map((b) => b.inputs.recoverFrom)).toEqual([path]);
    expect(run?.byType("proxmoxve:index/vmLegacy:VmLegacy")).toHaveLength(5);
  }, 120_000);

  it("a missing snapshot, one the operator cannot decrypt, or a corrupt one: a clear error and no resource at all", async () => {
    const tree = await etcdTree();
    const corrupt = fakeSnapshot();
    corrupt[5] ^= 0xff;
    const corruptFile = join(tree.dir, "corrupt.snapshot.sops");
    writeFileSync(corruptFile, await encryptSnapshot(corrupt, [tree.recipient], new Date()));
    const cases = [
      { file: join(tree.dir, "missing.snapshot.sops"), key: tree.env.SOPS_AGE_KEY_FILE, message: /talos-homelab:etcdRecoverFrom = ".*missing\.snapshot\.sops": does not exist/ },
      { file: corruptFile, key: join(tree.dir, "no-such-key.txt"), message: /corrupt\.snapshot\.sops": cannot be decrypted .*it is encrypted to age1/ },
      { file: corruptFile, key: tree.env.SOPS_AGE_KEY_FILE, message: /corrupt\.snapshot\.sops": decrypts, but its trailing SHA-256 does not match/ },
    ];
    for (const { file, key, message } of cases) {
      process.env.SOPS_AGE_KEY_FILE = key;
      const { result, rejections } = await collectingRejections(() => runWith(file));
      expect(result.error?.message).toMatch(message);
      expect(result.run).toBeUndefined();
      expect(result.created).toEqual([]);
      expect(new Set(rejections).size).toBeLessThanOrEqual(1);
      for (const reason of rejections) expect((reason as Error).message).toMatch(message);
    }
  }, 120_000);
});
