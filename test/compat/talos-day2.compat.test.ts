import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { TalosClient } from "../../talos/api/client";
import { TalosApiError } from "../../talos/api/errors";
import { parseTalosconfigContext } from "../../talos/api/talosconfig-context";
import { parseSecretsYaml } from "../../talos/secrets-yaml";
import { renderTalosconfig } from "../../talos/talosconfig";
import { FakeTalosCluster, type FakeTalosClusterOptions } from "./helpers/fake-talos-cluster";
import { type OracleContract, requireOracle, runTool } from "./helpers/tools";

// Day-2 calls of our Talos client (upgrade, etcd membership, reset, snapshot, recovery) against fake clusters of
// `talos-oracle serve` processes on loopback: Talos's generated MachineService, with etcd state shared between
// the node processes, and injected failures and hangs.

const IMAGE = (tag: string) => `factory.talos.dev/installer-secureboot/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:${tag}`;
const REBOOT_MS = 1_200;

async function failure(call: Promise<unknown>): Promise<TalosApiError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TalosApiError);
  return err as TalosApiError;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until the call resolves (a node coming back from a reboot), at most `timeoutMs`. */
async function eventually<T>(call: () => Promise<T>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

async function memberNames(client: TalosClient): Promise<string[]> {
  return (await client.etcdMemberList()).messages[0].members.map((m) => m.hostname).sort();
}

const TALOS_VERSIONS: Record<OracleContract, string> = { "v1.11": "v1.11.5", "v1.12": "v1.12.7", "v1.13": "v1.13.9", "v1.14": "v1.14.1" };

/** Machine configs from Talos's own generator (talos-oracle gen-config) and the talosconfig's admin material. */
async function generatedConfigs(oracle: string, dir: string, talosVersion: string) {
  const secretsFile = join(dir, "secrets.yaml");
  expect(runTool(oracle, ["gen-secrets", "--talos-version", talosVersion, "-o", secretsFile]).stderr).toBe("");
  const render = (role: "controlplane" | "worker"): string => {
    const spec = join(dir, `${role}.json`);
    const patches = ["machine:\n  install:\n    disk: /dev/sda\n"];
    writeFileSync(spec, JSON.stringify({ secretsFile, clusterName: "lab", endpoint: "https://10.0.0.10:6443", kubernetesVersion: "1.34.1", talosVersion, role, patches }));
    expect(runTool(oracle, ["gen-config", spec, "-o", join(dir, `${role}.yaml`)]).stderr).toBe("");
    return readFileSync(join(dir, `${role}.yaml`), "utf8");
  };
  const bundle = parseSecretsYaml(readFileSync(secretsFile, "utf8"));
  const admin = parseTalosconfigContext(await renderTalosconfig(bundle, { contextName: "lab", endpoints: ["127.0.0.1"], nodes: [] }));
  return { controlplane: render("controlplane"), worker: render("worker"), admin };
}

function contractSuite(contract: OracleContract): void {
  const oracle = requireOracle(contract);
  const root = mkdtempSync(join(tmpdir(), `talos-day2-${contract}-`));
  const clusters: FakeTalosCluster[] = [];
  const clients: TalosClient[] = [];
  let count = 0;

  async function cluster(options: Partial<FakeTalosClusterOptions> = {}): Promise<FakeTalosCluster> {
    const started = await FakeTalosCluster.start({ oracle, dir: join(root, `c${++count}`), ...options });
    clusters.push(started);
    return started;
  }

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const c of clusters.splice(0)) await c.stop();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  describe(`Talos ${contract}: upgrade`, () => {
    it("acknowledges, is unavailable during the reboot window, then reports the installer image's version", async () => {
      const c = await cluster({ talosVersion: "v1.13.9", rebootDelayMs: REBOOT_MS });
      const cp1 = c.client("cp-1");
      expect((await cp1.version()).messages[0].version?.tag).toBe("v1.13.9");
      const ack = await cp1.upgrade({ image: IMAGE("v1.14.1") });
      expect(ack.messages[0].ack).toBe("Upgrade request received");
      expect(ack.messages[0].actorId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await failure(cp1.version())).code).toBe(status.UNAVAILABLE);
      // etcd's pre-upgrade check on another control plane sees cp-1's member down
      const refused = await failure(c.client("cp-2").upgrade({ image: IMAGE("v1.14.1") }));
      expect(refused.code).toBe(status.UNKNOWN);
      expect(refused.details).toMatch(/^error validating etcd for upgrade: etcd member [0-9a-f]{16} is not healthy; all members must be healthy/);
      const after = await eventually(() => cp1.version());
      expect(after.messages[0].version?.tag).toBe("v1.14.1");
      expect((await c.client("cp-2").version()).messages[0].version?.tag).toBe("v1.13.9");
      expect(c.state().nodes["cp-1"].upgrades).toEqual([IMAGE("v1.14.1")]);
      expect(c.state().maxControlPlanesDown).toBe(1);
      expect(await memberNames(c.client("cp-2"))).toEqual(["cp-1", "cp-2", "cp-3"]);
    });

    it("refuses an image without a version tag, and a control plane of a two-member etcd", async () => {
      const c = await cluster({ controlPlanes: 2, workers: 1 });
      const noTag = await failure(c.client("worker-1").upgrade({ image: "factory.talos.dev/installer/abc" }));
      expect(noTag.details).toMatch(/^error validating installer image "factory.talos.dev\/installer\/abc"/);
      const quorum = await failure(c.client("cp-1").upgrade({ image: IMAGE("v1.14.1") }));
      expect(quorum.details).toBe("error validating etcd for upgrade: etcd member count(2) is insufficient to maintain quorum if upgrade commences");
      // a worker, and force/preserve, skip the etcd check
      await c.client("worker-1").upgrade({ image: IMAGE("v1.14.1") });
      await c.client("cp-1").upgrade({ image: IMAGE("v1.14.1"), preserve: true });
    });
  });

  describe(`Talos ${contract}: etcd membership`, () => {
    it("every control plane joins after bootstrap and sees the same leader; a worker never joins", async () => {
      const c = await cluster();
      const list = (await c.client("cp-2").etcdMemberList()).messages[0];
      expect(list.members.map((m) => m.hostname)).toEqual(["cp-1", "cp-2", "cp-3"]);
      expect(list.legacyMembers).toEqual(["cp-1", "cp-2", "cp-3"]);
      expect(list.members.every((m) => /^[1-9][0-9]*$/.test(m.id) && !m.isLearner)).toBe(true);
      const statuses = await Promise.all(["cp-1", "cp-2", "cp-3"].map(async (n) => (await c.client(n).etcdStatus()).messages[0].memberStatus));
      expect(statuses.map((s) => s?.memberId)).toEqual(list.members.map((m) => m.id));
      expect(new Set(statuses.map((s) => s?.leader))).toEqual(new Set([list.members[0].id]));
      const worker = await failure(c.client("worker-1").etcdMemberList());
      expect([worker.code, worker.details]).toEqual([status.UNIMPLEMENTED, "member list is only available on control plane nodes"]);
      expect((await failure(c.client("worker-1").etcdStatus())).details).toBe("etcd status is only available on control plane nodes");
    });

    it("fresh nodes: a control plane joins etcd once configured (after bootstrap), a worker never; reset and re-applied, it joins again", async () => {
      const c = await cluster({ controlPlanes: 2, workers: 1, start: "maintenance", rebootDelayMs: 300 });
      const configs = await generatedConfigs(oracle, c.dir, TALOS_VERSIONS[contract]);
      const configured = (name: string) => {
        const client = TalosClient.configured({ endpoint: c.node(name).address, tls: configs.admin, callTimeoutMs: 5_000 });
        clients.push(client);
        return client;
      };
      await c.maintenanceClient("cp-1").applyConfiguration(configs.controlplane);
      await configured("cp-1").bootstrap();
      expect(await memberNames(configured("cp-1"))).toEqual(["cp-1"]);
      await c.maintenanceClient("cp-2").applyConfiguration(configs.controlplane);
      await c.maintenanceClient("worker-1").applyConfiguration(configs.worker);
      expect(await memberNames(configured("cp-1"))).toEqual(["cp-1", "cp-2"]);
      expect(c.state().nodes["worker-1"]).toMatchObject({ role: "worker", configured: true });
      const firstId = c.state().members.find((m) => m.hostname === "cp-2")?.id;

      await configured("cp-2").reset({ graceful: true, reboot: true });
      expect(await memberNames(configured("cp-1"))).toEqual(["cp-1"]);
      await eventually(() => c.maintenanceClient("cp-2").applyConfiguration(configs.controlplane));
      expect(await memberNames(configured("cp-1"))).toEqual(["cp-1", "cp-2"]);
      const secondId = c.state().members.find((m) => m.hostname === "cp-2")?.id;
      expect(secondId).not.toBe(firstId);
      expect((await configured("cp-2").etcdStatus()).messages[0].memberStatus?.memberId).toBe(secondId);
    });

    it("a member joins as a learner and is promoted after its learner time", async () => {
      const c = await cluster({ controlPlanes: 2, workers: 0, learnerForMs: 800 });
      const members = (await c.client("cp-1").etcdMemberList()).messages[0].members;
      expect(members.map((m) => [m.hostname, m.isLearner])).toEqual([
        ["cp-1", false],
        ["cp-2", true],
      ]);
      await sleep(900);
      expect((await c.client("cp-2").etcdStatus()).messages[0].memberStatus?.isLearner).toBe(false);
    });

    it("EtcdLeaveCluster removes the node's own member; removing by ID another; an unknown ID is NotFound", async () => {
      const c = await cluster();
      await c.client("cp-3").etcdLeaveCluster();
      expect(await memberNames(c.client("cp-1"))).toEqual(["cp-1", "cp-2"]);
      await c.client("cp-3").etcdLeaveCluster(); // already removed: success, as in Talos
      const left = await failure(c.client("cp-3").etcdStatus());
      expect(left.details).toMatch(/^failed to query etcd status: etcd is not running on this node/);
      const cp2 = (await c.client("cp-1").etcdMemberList()).messages[0].members.find((m) => m.hostname === "cp-2");
      await c.client("cp-1").etcdRemoveMemberById(cp2?.id ?? "");
      expect(await memberNames(c.client("cp-1"))).toEqual(["cp-1"]);
      const unknown = await failure(c.client("cp-1").etcdRemoveMemberById("12345"));
      expect([unknown.code, unknown.details]).toEqual([status.NOT_FOUND, "failed to remove member 12345: etcdserver: member not found"]);
      expect(c.state().nodes["cp-3"].leftEtcd).toBe(true);
    });

    it("two of three control planes down: etcd has no leader", async () => {
      const c = await cluster({ rebootDelayMs: 3_000 });
      await c.client("cp-1").upgrade({ image: IMAGE("v1.14.1"), force: true });
      await c.client("cp-2").upgrade({ image: IMAGE("v1.14.1"), force: true }); // force skips etcd's check
      expect(c.state().maxControlPlanesDown).toBe(2);
      const refused = await failure(c.client("cp-3").etcdLeaveCluster());
      expect(refused.details).toMatch(/^failed to leave cluster: failed to remove member \d+: etcdserver: no leader$/);
      expect(await memberNames(c.client("cp-3")).catch((e: TalosApiError) => e.details)).toBe("etcdserver: no leader");
    });

    it("etcd refuses a removal that would leave too few started members (one of three rebooting)", async () => {
      const c = await cluster({ rebootDelayMs: 3_000 });
      await c.client("cp-1").upgrade({ image: IMAGE("v1.14.1"), force: true });
      const refused = await failure(c.client("cp-2").etcdLeaveCluster());
      expect(refused.details).toMatch(/^failed to leave cluster: failed to remove member \d+: etcdserver: re-configuration failed due to not enough started members$/);
      expect(await memberNames(c.client("cp-2"))).toEqual(["cp-1", "cp-2", "cp-3"]);
    });
  });

  describe(`Talos ${contract}: reset`, () => {
    it("a graceful reset of a control plane leaves etcd, then the node is back in maintenance mode", async () => {
      const c = await cluster({ rebootDelayMs: 500 });
      await c.client("cp-3").reset({ graceful: true, reboot: true });
      expect(await memberNames(c.client("cp-1"))).toEqual(["cp-1", "cp-2"]);
      expect((await failure(c.client("cp-3").version())).code).toBe(status.UNAVAILABLE);
      const maintenance = await eventually(() => failure(c.maintenanceClient("cp-3").version()).then((e) => {
        if (e.code !== status.UNIMPLEMENTED) throw e;
        return e;
      }));
      expect(maintenance.details).toBe("API is not implemented in maintenance mode");
      expect(c.state().nodes["cp-3"]).toMatchObject({ configured: false, resets: [{ graceful: true, reboot: true, mode: "ALL", partitions: null }] });
    });

    it("a non-graceful reset keeps the member (removed later by ID); reboot=false leaves the node off", async () => {
      const c = await cluster({ rebootDelayMs: 200 });
      await c.client("cp-2").reset({ graceful: false, reboot: false, systemPartitionsToWipe: ["STATE", "EPHEMERAL"] });
      expect(await memberNames(c.client("cp-1"))).toEqual(["cp-1", "cp-2", "cp-3"]);
      await sleep(300);
      expect((await failure(c.client("cp-2").version())).details).toMatch(/powered off/);
      expect(c.state().nodes["cp-2"].resets).toEqual([{ graceful: false, reboot: false, mode: "ALL", partitions: ["STATE", "EPHEMERAL"] }]);
      const unknownLabel = await failure(c.client("cp-1").reset({ graceful: true, reboot: true, systemPartitionsToWipe: ["DATA"] }));
      expect(unknownLabel.details).toMatch(/^failed to get volume status with label "DATA"/);
    });
  });

  describe(`Talos ${contract}: etcd snapshot and recovery`, () => {
    it("EtcdSnapshot streams exactly the bytes of --etcd-snapshot", async () => {
      const file = join(root, `snapshot-${contract}.db`);
      const bytes = randomBytes(100_000);
      writeFileSync(file, bytes);
      const c = await cluster({ controlPlanes: 1, workers: 1, etcdSnapshotFile: file });
      expect((await c.client("cp-1").etcdSnapshot()).equals(bytes)).toBe(true);
      expect((await failure(c.client("worker-1").etcdSnapshot())).details).toBe("etcd snapshot is only available on control plane nodes");
    });

    it("bootstrap with recovery needs an upload, checks etcd's integrity hash, and records what it restored", async () => {
      const source = await cluster({ controlPlanes: 1, workers: 0 });
      const snapshot = await source.client("cp-1").etcdSnapshot();
      expect(snapshot.length % 512).toBe(32);

      const c = await cluster({ controlPlanes: 3, workers: 0, start: "configured" });
      const cp1 = c.client("cp-1");
      const nothing = await failure(cp1.bootstrap({ recoverEtcd: true }));
      expect(nothing.details).toMatch(/error verifying snapshot: stat \/var\/lib\/etcd.snapshot: no such file or directory/);

      await cp1.etcdRecover(randomBytes(1000));
      const noHash = await failure(cp1.bootstrap({ recoverEtcd: true }));
      expect(noHash.details).toMatch(/snapshot missing hash but --skip-hash-check=false$/);

      await cp1.etcdRecover(snapshot);
      await cp1.bootstrap({ recoverEtcd: true });
      expect(c.state()).toMatchObject({ bootstrapped: true, recoveredBy: "cp-1", recoveredFromSha256: createHash("sha256").update(snapshot).digest("hex") });
      expect(await memberNames(c.client("cp-2"))).toEqual(["cp-1", "cp-2", "cp-3"]);
      expect((await failure(c.client("cp-2").bootstrap())).code).toBe(status.ALREADY_EXISTS);
    });
  });

  describe(`Talos ${contract}: injected failures and hangs`, () => {
    it("a control file fails a node's health call at runtime, and clearing it restores the node", async () => {
      const c = await cluster();
      c.setFaults("cp-2", { fail: ["EtcdStatus"] });
      const failed = await failure(c.client("cp-2").etcdStatus());
      expect([failed.code, failed.details]).toEqual([status.UNKNOWN, "failed to query etcd status: context deadline exceeded"]);
      await c.client("cp-1").etcdStatus();
      c.setFaults("cp-2", {});
      await c.client("cp-2").etcdStatus();
      expect(c.calls("cp-2").map((call) => [call.method.split("/").pop(), call.code])).toEqual([
        ["EtcdStatus", "Unknown"],
        ["EtcdStatus", "OK"],
      ]);
    });

    it("flags: a failure with code and message for N calls, a hang until the deadline, an upgrade that rolls back", async () => {
      const c = await cluster({
        rebootDelayMs: 300,
        faults: {
          "worker-1": { fail: ["Version:times=1:code=Unavailable:message=boom: at step 1"] },
          "worker-2": { hang: ["Version:after=1:times=1"], fail: ["Upgrade:step=boot"] },
        },
      });
      const first = await failure(c.client("worker-1").version());
      expect([first.code, first.details]).toEqual([status.UNAVAILABLE, "boom: at step 1"]);
      await c.client("worker-1").version();

      const w2 = c.client("worker-2", 500);
      await w2.version();
      // the client's deadline ends the hang; when the server's copy of the deadline fires first, grpc-go resets the
      // stream and grpc-js reports CANCELLED (as against a real apid)
      expect([status.DEADLINE_EXCEEDED, status.CANCELLED]).toContain((await failure(w2.version())).code);
      await w2.upgrade({ image: IMAGE("v1.99.0") });
      const back = await eventually(() => w2.version());
      expect(back.messages[0].version?.tag).not.toBe("v1.99.0");
    });
  });
}

for (const contract of ["v1.11", "v1.12", "v1.13", "v1.14"] as const) contractSuite(contract);
