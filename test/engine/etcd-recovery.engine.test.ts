import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { generateAgeIdentity } from "../../sops/age-identities";
import { compatTool } from "./e2e/compat-tools";
import { E2E_NODES, E2E_SUBNET, E2E_VIP, FakeCluster } from "./e2e/fake-cluster";
import { LoopbackNetns } from "./e2e/netns";
import { type PulumiResult, runInNetns, runPulumi, tail } from "./e2e/pulumi-run";
import { ROOT, type Sandbox, sandbox } from "./engine-harness";

// docs/operations.md, "All VMs lost", with the real Pulumi engine: a cluster stood up by `pulumi up`, an etcd
// snapshot taken with `talos-homelab etcd snapshot`, every node lost (its fake apid stopped), then fresh nodes on the
// same loopback addresses and a stack with an empty state that imports the machine secrets from the tree
// (secretsImportFrom) and recovers etcd from the snapshot (etcdRecoverFrom). All in one loopback-only namespace.

describe("disaster recovery with the real engine: all VMs lost, rebuilt from the tree and the latest snapshot", () => {
  const work = mkdtempSync(join(tmpdir(), "talos-homelab-dr-"));
  const stateDir = join(work, "state");
  const treeDir = join(work, "tree");
  let box: Sandbox;
  let ns: LoopbackNetns;
  let cluster: FakeCluster | undefined;
  const timings: string[] = [];
  const values = { passphrase: randomBytes(18).toString("base64"), clusterIdentity: "", operatorIdentity: "", operatorRecipient: "" };
  let snapshot = "";

  function env(): NodeJS.ProcessEnv {
    return {
      ...box.env,
      PULUMI_BACKEND_URL: `file://${stateDir}`,
      PULUMI_CONFIG_PASSPHRASE: values.passphrase,
      PROXMOX_VE_API_TOKEN: `root@pam!dr=${"0".repeat(32)}`,
      TALOS_HOMELAB_GIT_TOKEN: `ghp_dr${"1".repeat(32)}`,
      TALOS_HOMELAB_AGE_IDENTITY: values.clusterIdentity,
      // the operator's identity: decrypts the snapshot (etcdRecoverFrom) and the imported secrets
      SOPS_AGE_KEY: values.operatorIdentity,
    };
  }

  async function pulumi(label: string, args: string[]): Promise<PulumiResult> {
    const result = await runPulumi(ns, box.cwd, args, env(), { timeoutMs: 900_000 });
    timings.push(`${label}: ${result.seconds.toFixed(1)} s (exit ${result.code})`);
    return result;
  }

  /** Pulumi.<stack>.yaml: the end-to-end cluster (3 control planes, 1 worker on 127.0.10.x), Flux not installed. */
  function writeStack(stack: string, outputDir: string, extra: Record<string, unknown> = {}) {
    const file = join(box.cwd, `Pulumi.${stack}.yaml`);
    const kept = existsSync(file) ? (parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
    const nodes = E2E_NODES.map((n) => ({ name: n.name, role: n.role, proxmoxNode: "pve1", vmId: n.vmId, ip: `${n.ip}/24`, cores: 2, memory: 4096, diskSize: 32 }));
    const config = {
      "talos-homelab:clusterName": "e2e",
      "talos-homelab:talosVersion": "v1.11.5",
      "talos-homelab:kubernetesVersion": "1.34.1",
      "talos-homelab:controlPlane": { vip: E2E_VIP },
      "talos-homelab:proxmox": { endpoint: "https://127.0.0.1:8006/", insecure: true },
      "talos-homelab:network": { subnet: E2E_SUBNET, gateway: "127.0.10.1", nameservers: ["127.0.10.1"] },
      "talos-homelab:nodes": nodes,
      "talos-homelab:ageRecipients": [values.operatorRecipient],
      "talos-homelab:flux": { url: "https://127.0.0.1:3000/homelab-gitops.git", install: false },
      "talos-homelab:outputDir": outputDir,
      ...extra,
    };
    writeFileSync(file, stringify({ ...kept, config }), { mode: 0o600 });
  }

  const resourcesOf = async (stack: string): Promise<string[]> => {
    const exported = await pulumi(`stack export ${stack}`, ["stack", "export", "-s", stack]);
    return ((JSON.parse(exported.stdout) as { deployment: { resources?: { type: string }[] } }).deployment.resources ?? []).map((r) => r.type);
  };

  beforeAll(async () => {
    box = sandbox();
    compatTool("SOPS_BIN");
    for (const dir of [stateDir, treeDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
    const clusterIdentity = await generateAgeIdentity();
    const operator = await generateAgeIdentity();
    values.clusterIdentity = clusterIdentity.identity;
    values.operatorIdentity = operator.identity;
    values.operatorRecipient = operator.recipient;
    ns = await LoopbackNetns.create();
  }, 900_000);

  afterAll(async () => {
    await cluster?.stop();
    ns?.close();
    console.log(`engine DR timings:\n  ${timings.join("\n  ")}`);
    rmSync(work, { recursive: true, force: true });
    for (const dir of [box?.cwd, box?.home]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("stands the cluster up, then `talos-homelab etcd snapshot` writes a snapshot of it into the tree", async () => {
    writeStack("lab", treeDir);
    expect((await pulumi("stack init lab", ["stack", "init", "lab", "--secrets-provider", "passphrase", "--non-interactive"])).code).toBe(0);
    cluster = await FakeCluster.start(ns, compatTool("TALOS_ORACLE_V1_11"), join(work, "first"));
    const up = await pulumi("up lab", ["up", "--yes", "--skip-preview", "--non-interactive", "-s", "lab"]);
    expect(up.code, tail(up)).toBe(0);
    const taken = await runInNetns(ns, box.cwd, [process.execPath, join(ROOT, "bin/talos-homelab.cjs"), "etcd", "snapshot", "--tree", treeDir, "--keep", "3"], env());
    expect({ code: taken.code, stderr: taken.stderr }).toEqual({ code: 0, stderr: "" });
    const folder = join(treeDir, "talos/e2e/etcd-snapshots");
    snapshot = join(folder, readdirSync(folder).sort().at(-1) as string);
    expect(taken.stdout).toContain(`written to ${snapshot}`);
    const plain = spawnSync(compatTool("SOPS_BIN"), ["-d", snapshot], { env: { ...process.env, SOPS_AGE_KEY: values.operatorIdentity } });
    expect(plain.status, plain.stderr.toString()).toBe(0);
    expect(plain.stdout.length % 512).toBe(32); // etcd's trailing hash
  }, 1_800_000);

  it("an etcdRecoverFrom that does not exist stops `pulumi up` with the field, the value and the fix; nothing is created", async () => {
    await cluster?.stop(); // every VM lost
    cluster = undefined;
    const missing = join(treeDir, "talos/e2e/etcd-snapshots/e2e-etcd-20000101T000000Z.snapshot.sops");
    writeStack("bad", join(work, "bad-tree"), { "talos-homelab:secretsImportFrom": join(treeDir, "talos/e2e/secrets.sops.yaml"), "talos-homelab:etcdRecoverFrom": missing });
    expect((await pulumi("stack init bad", ["stack", "init", "bad", "--secrets-provider", "passphrase", "--non-interactive"])).code).toBe(0);
    const up = await pulumi("up bad", ["up", "--yes", "--skip-preview", "--non-interactive", "-s", "bad"]);
    expect(up.code).not.toBe(0);
    expect(`${up.stdout}\n${up.stderr}`).toContain(`talos-homelab:etcdRecoverFrom = "${missing}": does not exist: give the path of a snapshot written by \`talos-homelab etcd snapshot\``);
    expect((await resourcesOf("bad")).filter((t) => t !== "pulumi:pulumi:Stack")).toEqual([]);
  }, 900_000);

  it("fresh nodes, empty state, secretsImportFrom + etcdRecoverFrom: `pulumi up` bootstraps the first control plane from the snapshot", async () => {
    cluster = await FakeCluster.start(ns, compatTool("TALOS_ORACLE_V1_11"), join(work, "rebuilt"));
    writeStack("rebuilt", join(work, "rebuilt-tree"), { "talos-homelab:secretsImportFrom": join(treeDir, "talos/e2e/secrets.sops.yaml"), "talos-homelab:etcdRecoverFrom": snapshot });
    expect((await pulumi("stack init rebuilt", ["stack", "init", "rebuilt", "--secrets-provider", "passphrase", "--non-interactive"])).code).toBe(0);
    const up = await pulumi("up rebuilt", ["up", "--yes", "--skip-preview", "--non-interactive", "-s", "rebuilt"]);
    expect(up.code, tail(up)).toBe(0);
    const calls = cluster.apidCalls("cp-1").map((c) => [c.method.replace("/machine.MachineService/", ""), c.mode, c.code]);
    const recover = calls.findIndex(([method]) => method === "EtcdRecover");
    expect(recover, JSON.stringify(calls)).toBeGreaterThan(0);
    expect(calls.slice(recover, recover + 2)).toEqual([
      ["EtcdRecover", "configured", "OK"],
      ["Bootstrap", "configured", "OK"],
    ]);
    const bootstrap = cluster.apidCalls("cp-1").find((c) => c.method === "/machine.MachineService/Bootstrap" && c.code === "OK");
    expect(bootstrap?.request).toMatchObject({ recover_etcd: true, recover_skip_hash_check: false });
    for (const node of E2E_NODES.filter((n) => n.name !== "cp-1")) {
      expect(cluster.apidCalls(node.name).filter((c) => /Bootstrap|EtcdRecover/.test(c.method)), node.name).toEqual([]);
    }
    // the rebuilt cluster has the old PKI: the imported secrets are the tree's
    const imported = spawnSync(compatTool("SOPS_BIN"), ["-d", join(work, "rebuilt-tree/talos/e2e/secrets.sops.yaml")], { env: { ...process.env, SOPS_AGE_KEY: values.operatorIdentity }, encoding: "utf8" });
    const original = spawnSync(compatTool("SOPS_BIN"), ["-d", join(treeDir, "talos/e2e/secrets.sops.yaml")], { env: { ...process.env, SOPS_AGE_KEY: values.operatorIdentity }, encoding: "utf8" });
    expect(imported.stdout).toBe(original.stdout);
  }, 1_800_000);
});
