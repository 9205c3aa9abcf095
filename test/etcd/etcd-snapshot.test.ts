import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { takeEtcdSnapshot, type SnapshotClient } from "../../gitops/etcd-backup";
import { decryptSnapshot } from "../../gitops/etcd-snapshot-cipher";
import { listSnapshotFiles, snapshotFileName } from "../../gitops/etcd-snapshot-files";
import { readRecipients } from "../../sops/index";
import { TalosApiError } from "../../talos/api/errors";
import { etcdTree, fakeSnapshot, unavailable } from "./etcd-fixture";

type Calls = { endpoint: string; node?: string; ca: string }[];

function nodes(behaviour: Record<string, () => Promise<Buffer>>, calls: Calls = []) {
  return (options: { endpoint: string; node?: string; tls: { ca: string } }): SnapshotClient => {
    calls.push({ endpoint: options.endpoint, ...(options.node !== undefined ? { node: options.node } : {}), ca: options.tls.ca });
    const target = options.node ?? options.endpoint;
    const snapshot = behaviour[target];
    if (snapshot === undefined) throw new Error(`test: unexpected node ${target}`);
    return { etcdSnapshot: snapshot, close: () => undefined };
  };
}

const at = (iso: string) => () => new Date(iso);

describe("talos-homelab etcd snapshot (takeEtcdSnapshot)", () => {
  it("writes the snapshot SOPS-encrypted (binary store) to talos/<cluster>/etcd-snapshots, named with the UTC time, 0600; it decrypts to the exact bytes", async () => {
    const tree = await etcdTree();
    const served = fakeSnapshot();
    const calls: Calls = [];
    const result = await takeEtcdSnapshot({
      treeDir: tree.dir,
      env: tree.env,
      now: at("2026-12-06T23:52:17.412Z"),
      connect: nodes({ "127.0.0.11": async () => served }, calls),
    });
    const path = join(tree.dir, "talos/lab/etcd-snapshots/lab-etcd-20261206T235217Z.snapshot.sops");
    expect(result).toEqual({ cluster: "lab", path, node: "127.0.0.11", bytes: served.length, recipients: [tree.recipient], pruned: [] });
    expect(calls).toEqual([{ endpoint: "127.0.0.11", ca: expect.stringContaining("-----BEGIN CERTIFICATE-----") }]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const encrypted = readFileSync(path);
    expect(encrypted.includes(served.subarray(0, 64))).toBe(false);
    expect(JSON.parse(encrypted.toString("utf8")).data).toMatch(/^ENC\[AES256_GCM,data:/);
    expect(readRecipients(encrypted, "binary")).toEqual([tree.recipient]);
    expect((await decryptSnapshot(encrypted, { env: tree.env })).equals(served)).toBe(true);
    // only the snapshot in the folder: no temp file, plaintext or not
    expect(readdirSync(join(tree.dir, "talos/lab/etcd-snapshots"))).toEqual(["lab-etcd-20261206T235217Z.snapshot.sops"]);
  });

  it("--keep N keeps the newest N snapshots of that cluster and leaves other clusters' and other files alone", async () => {
    const tree = await etcdTree();
    const out = join(tree.dir, "backups");
    mkdirSync(out);
    const foreign = ["other-etcd-20200101T000000Z.snapshot.sops", "notes.txt", "lab-etcd-20200101T000000Z.snapshot.sops.bak"];
    for (const name of foreign) writeFileSync(join(out, name), "x");
    const connect = nodes({ "127.0.0.11": async () => fakeSnapshot() });
    const times = ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z"];
    const results = [];
    for (const time of times) results.push(await takeEtcdSnapshot({ treeDir: tree.dir, outDir: out, keep: 2, env: tree.env, now: at(time), connect }));
    expect(results[3]?.pruned).toEqual([join(out, "lab-etcd-20260102T000000Z.snapshot.sops")]);
    expect(results[2]?.pruned).toEqual([join(out, "lab-etcd-20260101T000000Z.snapshot.sops")]);
    expect((await listSnapshotFiles(out, "lab")).map((f) => f.name)).toEqual([
      "lab-etcd-20260104T000000Z.snapshot.sops",
      "lab-etcd-20260103T000000Z.snapshot.sops",
    ]);
    for (const name of foreign) expect(existsSync(join(out, name))).toBe(true);
  });

  it("asks the next control plane when one does not answer; with --node only that node", async () => {
    const tree = await etcdTree();
    const logged: string[] = [];
    const calls: Calls = [];
    const result = await takeEtcdSnapshot({
      treeDir: tree.dir,
      env: tree.env,
      connect: nodes({ "127.0.0.11": async () => Promise.reject(unavailable("127.0.0.11", "EtcdSnapshot")), "127.0.0.12": async () => fakeSnapshot() }, calls),
      log: (line) => logged.push(line),
    });
    expect(result.node).toBe("127.0.0.12");
    expect(logged).toEqual([expect.stringContaining("etcd snapshot from 127.0.0.11 failed: Talos API EtcdSnapshot on node 127.0.0.11 failed: UNAVAILABLE")]);
    const proxied: Calls = [];
    await takeEtcdSnapshot({ treeDir: tree.dir, env: tree.env, node: "127.0.0.12", endpoint: "127.0.0.11", now: at("2027-01-01T00:00:00Z"), connect: nodes({ "127.0.0.12": async () => fakeSnapshot() }, proxied) });
    expect(proxied.map(({ endpoint, node }) => ({ endpoint, node }))).toEqual([{ endpoint: "127.0.0.11", node: "127.0.0.12" }]);
  });

  it("fails with every node's own Talos message when none answers, and writes nothing", async () => {
    const tree = await etcdTree();
    const refused = new TalosApiError("EtcdSnapshot", { endpoint: "127.0.0.12" }, status.FAILED_PRECONDITION, "etcd is not running");
    const attempt = takeEtcdSnapshot({
      treeDir: tree.dir,
      env: tree.env,
      connect: nodes({ "127.0.0.11": async () => Promise.reject(unavailable("127.0.0.11", "EtcdSnapshot")), "127.0.0.12": async () => Promise.reject(refused) }),
    });
    await expect(attempt).rejects.toThrow(/no control plane gave a snapshot:\n {2}- Talos API EtcdSnapshot on node 127\.0\.0\.11 failed: UNAVAILABLE.*\n {2}- Talos API EtcdSnapshot on node 127\.0\.0\.12 failed: FAILED_PRECONDITION: etcd is not running/);
    expect(existsSync(join(tree.dir, "talos/lab/etcd-snapshots"))).toBe(false);
  });

  it("refuses a truncated snapshot (etcd's trailing SHA-256 does not match) and writes nothing", async () => {
    const tree = await etcdTree();
    const served = fakeSnapshot();
    const truncated = Buffer.concat([served.subarray(0, 4096), served.subarray(served.length - 32)]);
    await expect(
      takeEtcdSnapshot({ treeDir: tree.dir, env: tree.env, node: "127.0.0.11", connect: nodes({ "127.0.0.11": async () => truncated }) }),
    ).rejects.toThrow(/the snapshot node 127\.0\.0\.11 sent is not usable: its trailing SHA-256 does not match the 4096 bytes before it.*nothing was written/);
    expect(existsSync(join(tree.dir, "talos/lab/etcd-snapshots"))).toBe(false);
  });

  it("never overwrites: a second snapshot in the same second is refused and the first one is kept", async () => {
    const tree = await etcdTree();
    const first = fakeSnapshot(2, 1);
    const request = { treeDir: tree.dir, env: tree.env, now: at("2026-05-05T05:05:05Z") };
    const { path } = await takeEtcdSnapshot({ ...request, connect: nodes({ "127.0.0.11": async () => first }) });
    await expect(takeEtcdSnapshot({ ...request, connect: nodes({ "127.0.0.11": async () => fakeSnapshot(2, 2) }) })).rejects.toThrow(/already exists .*nothing was overwritten/);
    expect((await decryptSnapshot(readFileSync(path), { env: tree.env })).equals(first)).toBe(true);
    expect(readdirSync(join(tree.dir, "talos/lab/etcd-snapshots"))).toEqual([snapshotFileName("lab", new Date("2026-05-05T05:05:05Z"))]);
  });

  it("without the operator's identity: names the talosconfig and its recipients, contacts no node, prints no key", async () => {
    const tree = await etcdTree();
    const calls: Calls = [];
    const attempt = takeEtcdSnapshot({ treeDir: tree.dir, env: tree.envWithoutKey, connect: nodes({}, calls) });
    await expect(attempt).rejects.toThrow(new RegExp(`cannot decrypt the admin talosconfig .*talos/lab/talosconfig\\.sops\\.yaml.*encrypted to ${tree.recipient}; make the identity`));
    await attempt.catch((e: Error) => expect(e.message).not.toContain("AGE-SECRET-KEY"));
    expect(calls).toEqual([]);
  });

  it("--age replaces the recipients; --keep 0, no tree and several clusters are clear errors", async () => {
    const tree = await etcdTree();
    const other = await etcdTree();
    const result = await takeEtcdSnapshot({ treeDir: tree.dir, env: tree.env, recipients: [other.recipient], connect: nodes({ "127.0.0.11": async () => fakeSnapshot() }) });
    expect(readRecipients(readFileSync(result.path), "binary")).toEqual([other.recipient]);
    await expect(takeEtcdSnapshot({ treeDir: tree.dir, env: tree.env, keep: 0, connect: nodes({}) })).rejects.toThrow(/--keep 0: must be a whole number of at least 1/);
    await expect(takeEtcdSnapshot({ treeDir: join(tree.dir, "talos"), env: tree.env, connect: nodes({}) })).rejects.toThrow(/no talos\/<cluster>\/talosconfig\.sops\.yaml under .*pass --tree DIR/);
    mkdirSync(join(tree.dir, "talos/second"));
    writeFileSync(join(tree.dir, "talos/second/talosconfig.sops.yaml"), readFileSync(join(tree.dir, "talos/lab/talosconfig.sops.yaml")));
    await expect(takeEtcdSnapshot({ treeDir: tree.dir, env: tree.env, connect: nodes({}) })).rejects.toThrow(/several clusters \(lab, second\): pass --cluster NAME/);
  });
});
