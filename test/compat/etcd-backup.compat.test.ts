import { execFileSync, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { bootstrapDeps } from "../../components/dynamic/bootstrap-provider";
import { bootstrapInputs, createBootstrap } from "../../components/dynamic/bootstrap-logic";
import { encryptText, formatAgeKeyFile, generateAgeIdentity } from "../../sops/index";
import { withSnapshotHash } from "../../talos/etcd/snapshot-integrity";
import { FakeTalosCluster, type FakeTalosClusterOptions } from "./helpers/fake-talos-cluster";
import { requireOracle, requireTool } from "./helpers/tools";

// docs/operations.md's "etcd backups" and "Disaster recovery" steps, run as a person runs them: the bundled
// `talos-homelab` CLI in a GitOps tree whose admin talosconfig is SOPS-encrypted, against fake clusters of
// `talos-oracle serve` processes (Talos's generated MachineService) on 127.x.y.z, and the real `sops` to read the
// backups back. A rebuilt cluster's nodes serve the old cluster's Talos API CA, as they do after `secretsImportFrom`.

const ROOT = resolve(__dirname, "../..");
const BIN = join(ROOT, "bin", "talos-homelab.cjs");
const CLUSTER = "homelab";
const oracle = requireOracle("v1.14");
const sops = requireTool("sops");
const work = mkdtempSync(join(tmpdir(), "etcd-backup-compat-"));
const clusters: FakeTalosCluster[] = [];
let count = 0;

/** An etcd database of a few pages with etcd's trailing SHA-256, as EtcdSnapshot streams it. */
const served = withSnapshotHash(randomBytes(24 * 4096));
const servedFile = join(work, "served.db");
writeFileSync(servedFile, served);
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

interface Operator {
  readonly tree: string;
  readonly env: NodeJS.ProcessEnv;
}

async function cluster(options: Partial<FakeTalosClusterOptions> = {}): Promise<FakeTalosCluster> {
  const started = await FakeTalosCluster.start({ oracle, dir: join(work, `cluster-${++count}`), controlPlanes: 3, workers: 2, ...options });
  clusters.push(started);
  return started;
}

/** A new cluster's nodes (configured, etcd not bootstrapped) with the same Talos API CA as `old`: the VMs rebuilt. */
function rebuilt(old: FakeTalosCluster): Promise<FakeTalosCluster> {
  return cluster({ start: "configured", extraArgs: () => ["--ca-crt", join(old.dir, "os-ca.crt"), "--ca-key", join(old.dir, "os-ca.key")] });
}

/** A GitOps tree with talos/homelab/talosconfig.sops.yaml (the cluster's admin context), and an operator's identity. */
async function operatorTree(c: FakeTalosCluster): Promise<Operator & { talosconfig: string }> {
  const tree = mkdtempSync(join(work, "tree-"));
  const home = mkdtempSync(join(work, "home-"));
  const { identity, recipient } = await generateAgeIdentity();
  const keyFile = join(home, "keys.txt");
  writeFileSync(keyFile, formatAgeKeyFile(identity, recipient), { mode: 0o600 });
  const b64 = (pem: string) => Buffer.from(pem).toString("base64");
  const endpoints = c.nodes.filter((n) => n.role === "controlplane").map((n) => n.ip);
  const talosconfig = stringify({ context: CLUSTER, contexts: { [CLUSTER]: { endpoints, nodes: endpoints.slice(0, 1), ca: b64(c.admin.ca), crt: b64(c.admin.crt), key: b64(c.admin.key) } } });
  mkdirSync(join(tree, "talos", CLUSTER), { recursive: true });
  writeFileSync(join(tree, "talos", CLUSTER, "talosconfig.sops.yaml"), await encryptText(talosconfig, { format: "yaml", recipients: [recipient] }));
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), SOPS_AGE_KEY_FILE: keyFile };
  return { tree, env, talosconfig };
}

function cli(operator: Operator, args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: operator.tree, env: operator.env, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const snapshotsIn = (operator: Operator) => readdirSync(join(operator.tree, "talos", CLUSTER, "etcd-snapshots")).sort();
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

beforeAll(() => {
  // the bundles of the current sources: what `npm ci` / `npm run build` put behind bin/talos-homelab.cjs
  execFileSync(process.execPath, [join(ROOT, "bin", "build-cli-bundle.cjs")], { cwd: ROOT, stdio: "pipe" });
}, 120_000);
afterEach(async () => {
  for (const c of clusters.splice(0)) await c.stop();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("etcd backups (docs/operations.md) against a 3+2 fake cluster", () => {
  it("`talos-homelab etcd snapshot --keep 2`: timestamped, 0600, only the newest two kept; the real `sops -d` gives back the served bytes", async () => {
    const c = await cluster({ etcdSnapshotFile: servedFile });
    const operator = await operatorTree(c);
    const cp1 = c.node("cp-1").ip;
    for (let i = 0; i < 3; i++) {
      if (i > 0) await sleep(1_100); // one snapshot per second: the name is the UTC time to the second
      const r = cli(operator, ["etcd", "snapshot", "--keep", "2"]);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
      expect(r.stdout).toMatch(new RegExp(`^etcd snapshot of ${CLUSTER} from node ${cp1.replaceAll(".", "\\.")} \\(${served.length} bytes\\) written to .*/talos/${CLUSTER}/etcd-snapshots/${CLUSTER}-etcd-\\d{8}T\\d{6}Z\\.snapshot\\.sops\\n`));
      if (i === 2) expect(r.stdout).toMatch(/\npruned .*\.snapshot\.sops\n$/);
    }
    const files = snapshotsIn(operator);
    expect(files).toHaveLength(2);
    for (const name of files) {
      const path = join(operator.tree, "talos", CLUSTER, "etcd-snapshots", name);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const decrypted = spawnSync(sops, ["-d", path], { env: operator.env });
      expect(decrypted.stderr.toString()).toBe("");
      expect(decrypted.status).toBe(0);
      expect(sha256(decrypted.stdout)).toBe(sha256(served));
      expect(decrypted.stdout.equals(served)).toBe(true);
    }
    expect(c.calls("cp-1").filter((call) => call.method === "/machine.MachineService/EtcdSnapshot").map((call) => [call.roles, call.code])).toEqual(
      Array.from({ length: 3 }, () => [["os:admin"], "OK"]),
    );
  });

  it("a control plane that fails: the next one gives the snapshot; with --node that one only, and Talos's own message", async () => {
    const c = await cluster({ etcdSnapshotFile: servedFile, faults: { "cp-1": { fail: ["EtcdSnapshot:code=Unavailable:message=etcd member is down"] } } });
    const operator = await operatorTree(c);
    const [cp1, cp2] = [c.node("cp-1").ip, c.node("cp-2").ip];
    const next = cli(operator, ["etcd", "snapshot"]);
    expect(next.status).toBe(0);
    expect(next.stdout).toContain(`from node ${cp2} (${served.length} bytes)`);
    expect(next.stderr).toContain(`etcd snapshot from ${cp1} failed: Talos API EtcdSnapshot on node ${cp1} failed: UNAVAILABLE: etcd member is down`);
    const only = cli(operator, ["etcd", "snapshot", "--node", cp1]);
    expect(only.status).toBe(1);
    expect(only.stderr).toBe(`talos-homelab etcd snapshot: Talos API EtcdSnapshot on node ${cp1} failed: UNAVAILABLE: etcd member is down\n`);
    const worker = cli(operator, ["etcd", "snapshot", "--node", c.node("worker-1").ip]);
    expect(worker.stderr).toMatch(/failed: .*etcd snapshot is only available on control plane nodes/);
    expect(snapshotsIn(operator)).toHaveLength(1);
  });
});

describe("Disaster recovery (docs/operations.md): all VMs lost, rebuilt from the tree and the latest snapshot", () => {
  it("`talos-homelab etcd recover --from <backup folder>` bootstraps the rebuilt first control plane with recovery from the newest snapshot", async () => {
    const old = await cluster({ etcdSnapshotFile: servedFile });
    const operator = await operatorTree(old);
    expect(cli(operator, ["etcd", "snapshot"]).status).toBe(0);
    const latest = snapshotsIn(operator).at(-1) as string;
    await old.stop();

    const fresh = await rebuilt(old);
    const folder = join("talos", CLUSTER, "etcd-snapshots");
    // the rebuilt VMs keep their addresses in a real cluster; the fake ones get new loopback addresses, hence --node
    const cp1 = fresh.node("cp-1").ip;
    const r = cli(operator, ["etcd", "recover", "--from", folder, "--node", cp1]);
    expect({ status: r.status, stderr: r.stderr.replace(/^recovering etcd on node .*\n/, "") }).toEqual({ status: 0, stderr: "" });
    expect(r.stdout).toBe(`etcd of ${CLUSTER} bootstrapped on node ${cp1} from ${join(operator.tree, folder, latest)} (${served.length} bytes)\n`);
    expect(fresh.state()).toMatchObject({ bootstrapped: true, recoveredBy: "cp-1", recoveredFromSha256: sha256(served) });
    expect(fresh.calls("cp-1").map((call) => [call.method, call.code])).toEqual([
      ["/machine.MachineService/EtcdRecover", "OK"],
      ["/machine.MachineService/Bootstrap", "OK"],
    ]);
    expect(fresh.calls("cp-1")[1]?.request).toMatchObject({ recover_etcd: true, recover_skip_hash_check: false });

    // run again on the now-running cluster: refused, nothing recovered twice
    const again = cli(operator, ["etcd", "recover", "--from", folder, "--node", cp1]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`etcd on node ${cp1} already has data, so nothing was recovered`);
  });

  it("etcdRecoverFrom: the bootstrap `pulumi up` runs (TalosBootstrap's provider) uploads the snapshot and bootstraps with recovery", async () => {
    const old = await cluster({ etcdSnapshotFile: servedFile });
    const operator = await operatorTree(old);
    expect(cli(operator, ["etcd", "snapshot"]).status).toBe(0);
    const snapshot = join(operator.tree, "talos", CLUSTER, "etcd-snapshots", snapshotsIn(operator).at(-1) as string);
    await old.stop();

    const fresh = await rebuilt(old);
    const saved = process.env.SOPS_AGE_KEY_FILE;
    process.env.SOPS_AGE_KEY_FILE = operator.env.SOPS_AGE_KEY_FILE; // the provider runs with the operator's environment
    try {
      const { outs } = await createBootstrap(
        bootstrapInputs({ node: fresh.node("cp-1").ip, talosconfig: operator.talosconfig, recoverFrom: snapshot, timeoutSeconds: 60 }),
        { ...bootstrapDeps, log: () => undefined },
      );
      expect(outs).toEqual({ node: fresh.node("cp-1").ip, outcome: "bootstrapped", recoveredFrom: snapshot });
    } finally {
      if (saved === undefined) delete process.env.SOPS_AGE_KEY_FILE;
      else process.env.SOPS_AGE_KEY_FILE = saved;
    }
    expect(fresh.state()).toMatchObject({ bootstrapped: true, recoveredBy: "cp-1", recoveredFromSha256: sha256(served) });
  });

  it("a snapshot the operator cannot decrypt is refused before any node is contacted", async () => {
    const old = await cluster({ etcdSnapshotFile: servedFile });
    const operator = await operatorTree(old);
    expect(cli(operator, ["etcd", "snapshot"]).status).toBe(0);
    await old.stop();
    const fresh = await rebuilt(old);
    const stranger = await generateAgeIdentity();
    // the talosconfig decrypts (the operator's key), the snapshot was re-encrypted to someone else
    const file = join(operator.tree, "talos", CLUSTER, "etcd-snapshots", snapshotsIn(operator)[0] as string);
    const plain = join(work, `plain-${count}.snapshot`);
    writeFileSync(plain, spawnSync(sops, ["-d", file], { env: operator.env }).stdout, { mode: 0o600 });
    const other = join(operator.tree, "other.snapshot.sops");
    const encrypted = spawnSync(sops, ["encrypt", "--age", stranger.recipient, "--output", other, plain], { env: operator.env });
    rmSync(plain);
    expect(encrypted.stderr.toString()).toBe("");
    const r = cli(operator, ["etcd", "recover", "--from", other, "--node", fresh.node("cp-1").ip]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^talos-homelab etcd recover: --from = ".*other\\.snapshot\\.sops": cannot be decrypted .*it is encrypted to ${stranger.recipient}`));
    expect(r.stderr).not.toMatch(/AGE-SECRET-KEY-1/);
    expect(fresh.calls("cp-1")).toEqual([]);
  });
});
