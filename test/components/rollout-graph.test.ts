import { beforeAll, describe, expect, it } from "vitest";
import { clusterChangeProvider } from "../../components/dynamic/cluster-change-provider";
import { type NodeMembershipOutputs, diffNodeMembership, nodeMembershipTarget } from "../../components/dynamic/node-membership-logic";
import { type NodeUpgradeOutputs, diffNodeUpgrade, nodeUpgradeTarget } from "../../components/dynamic/node-upgrade-logic";
import { dynamicMock, stackConfig } from "./homelab-fixture";
import { type ProgramRun, type RecordedResource, runProgram, unwrapSecrets } from "./pulumi-harness";

const dyn = (t: string) => `pulumi-nodejs:dynamic/talos-homelab:${t}`;
const ORDER = ["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"];
type Json = Record<string, unknown>;

async function run(mutate?: Parameters<typeof stackConfig>[0]): Promise<ProgramRun> {
  const { config, secretKeys } = await stackConfig(mutate);
  return runProgram(config, secretKeys, { dynamic: dynamicMock() });
}

const plain = (r: RecordedResource) => unwrapSecrets(r.inputs) as Json;

/** Which resources Pulumi deletes before which, from the old graph: a resource goes before everything it depends on. */
function deleteOrder(old: ProgramRun, removed: readonly string[]): string[] {
  const left = new Set(removed);
  const order: string[] = [];
  while (left.size > 0) {
    const next = [...left].find((name) => ![...left].some((other) => other !== name && old.byName(other).dependsOn.includes(name)));
    if (next === undefined) throw new Error(`dependency cycle among ${[...left].join(", ")}`);
    order.push(next);
    left.delete(next);
  }
  return order;
}

/** The chain gate before a node's upgrade: the previous node's membership (the cluster change for the first). */
function gateBefore(r: ProgramRun, node: string): string {
  const deps = r.byName(`homelab-${node}-upgrade`).dependsOn;
  return deps.find((d) => d.endsWith("-membership") || d === "homelab-cluster-change") ?? "(none)";
}

describe("roll-out graph under the Pulumi mocks", () => {
  let base: ProgramRun;
  beforeAll(async () => {
    base = await run();
  }, 120_000);

  it("chains every node in roll-out order: upgrade -> config apply -> membership -> the next node's upgrade", () => {
    expect(base.byType(dyn("TalosClusterChange")).map((r) => r.name)).toEqual(["homelab-cluster-change"]);
    expect(ORDER.map((n) => gateBefore(base, n))).toEqual([
      "homelab-cluster-change",
      "homelab-cp-1-membership",
      "homelab-cp-2-membership",
      "homelab-cp-3-membership",
      "homelab-worker-1-membership",
    ]);
    for (const node of ORDER) {
      expect(base.byName(`homelab-${node}-upgrade`).dependsOn).toContain(`homelab-${node}`);
      expect(base.byName(`homelab-${node}-config`).dependsOn).toEqual(expect.arrayContaining([`homelab-${node}`, `homelab-${node}-upgrade`]));
      expect(base.byName(`homelab-${node}-membership`).dependsOn).toContain(`homelab-${node}-config`);
    }
    expect(base.byName("homelab-health").dependsOn).toEqual(expect.arrayContaining(ORDER.map((n) => `homelab-${n}-membership`)));
    // A whole-cluster destroy deletes the cluster change too, so Pulumi skips the per-node removals.
    for (const node of ORDER) expect(base.byName(`homelab-${node}-membership`).deletedWith).toBe("homelab-cluster-change");
    const cluster = plain(base.byName("homelab-cluster-change"));
    expect(cluster).toMatchObject({ talosVersion: "v1.14.1", kubernetesVersion: "1.37.0", controlPlanes: ["cp-1", "cp-2", "cp-3"], workers: ["worker-1", "worker-2"] });
  });

  it("gives every roll-out resource the admin talosconfig and kubeconfig as secrets, and the installer of the version and schematic", () => {
    for (const type of ["TalosNodeUpgrade", "TalosNodeMembership"]) {
      for (const r of base.byType(dyn(type))) {
        expect(JSON.stringify(r.inputs.talosconfig)).toContain("4dabf18193072939515e22adb298388d");
        expect(JSON.stringify(r.inputs.kubeconfig)).toContain("4dabf18193072939515e22adb298388d");
      }
    }
    const upgrade = plain(base.byName("homelab-worker-2-upgrade"));
    expect(upgrade.installerImage).toMatch(/^factory\.talos\.dev\/nocloud-installer-secureboot\/[0-9a-f]{64}:v1\.14\.1$/);
    expect(upgrade.node).toEqual({ name: "worker-2", address: "192.168.10.22", role: "worker" });
    expect((upgrade.controlPlanes as Json[]).map((c) => c.name)).toEqual(["cp-1", "cp-2", "cp-3"]);
  });

  it("an upgrade: a Talos bump changes every node's upgrade resource and membership, along the same chain", async () => {
    const older = await run((c) => {
      c["talos-homelab:talosVersion"] = "v1.13.9";
      c["talos-homelab:kubernetesVersion"] = "1.36.3";
      // The example's patches use Talos 1.14 documents.
      for (const node of c["talos-homelab:nodes"]) delete node.patches;
      delete c["talos-homelab:patches"];
    });
    expect(ORDER.map((n) => gateBefore(older, n))).toEqual(ORDER.map((n) => gateBefore(base, n)));
    for (const node of ORDER) {
      const olds = plain(older.byName(`homelab-${node}-upgrade`)) as unknown as NodeUpgradeOutputs;
      expect(diffNodeUpgrade(olds, nodeUpgradeTarget(plain(base.byName(`homelab-${node}-upgrade`)))).changes, node).toBe(true);
      const oldMembership = plain(older.byName(`homelab-${node}-membership`)) as unknown as NodeMembershipOutputs;
      expect(diffNodeMembership(oldMembership, nodeMembershipTarget(plain(base.byName(`homelab-${node}-membership`)))).changes).toBe(true);
    }
    // The same stack from v1.11.5 is refused in preview by the cluster change's check.
    const check = clusterChangeProvider.check as NonNullable<typeof clusterChangeProvider.check>;
    await expect(check(plain(older.byName("homelab-cluster-change")), plain(base.byName("homelab-cluster-change")))).resolves.toBeDefined();
    const from11 = { ...plain(older.byName("homelab-cluster-change")), talosVersion: "v1.11.5", kubernetesVersion: "1.34.1" };
    await expect(check(from11, plain(base.byName("homelab-cluster-change")))).rejects.toThrow(/v1\.11\.5 -> v1\.13\.9 -> v1\.14\.1[\s\S]*1\.34\.1 -> 1\.35\.x -> 1\.36\.x -> 1\.37\.0/);
  }, 120_000);

  it("a removal: the node's membership is deleted first (drain, etcd leave, reset), then its apply, upgrade and VM; the chain closes over it", async () => {
    const smaller = await run((c) => {
      c["talos-homelab:nodes"] = c["talos-homelab:nodes"].filter((n) => n.name !== "worker-1" && n.name !== "cp-3");
    });
    const gone = base.resources.map((r) => r.name).filter((name) => !smaller.resources.some((r) => r.name === name));
    expect(gone.sort()).toEqual(
      ["cp-3", "worker-1"].flatMap((n) => [`homelab-${n}`, `homelab-${n}`, `homelab-${n}-config`, `homelab-${n}-membership`, `homelab-${n}-upgrade`]).sort(),
    );
    const order = deleteOrder(base, ["homelab-worker-1-membership", "homelab-worker-1-config", "homelab-worker-1-upgrade", "homelab-worker-1"]);
    expect(order).toEqual(["homelab-worker-1-membership", "homelab-worker-1-config", "homelab-worker-1-upgrade", "homelab-worker-1"]);
    expect(gateBefore(smaller, "worker-2")).toBe("homelab-cp-2-membership");
    // Two of three control planes at once is refused in preview.
    const check = clusterChangeProvider.check as NonNullable<typeof clusterChangeProvider.check>;
    await expect(check(plain(base.byName("homelab-cluster-change")), plain(smaller.byName("homelab-cluster-change")))).resolves.toBeDefined();
    const lastTwo = { ...plain(smaller.byName("homelab-cluster-change")), controlPlanes: ["cp-1"] };
    await expect(check(plain(base.byName("homelab-cluster-change")), lastTwo)).rejects.toThrow(/removes 2 of 3 control planes \(cp-2, cp-3\) at once/);
  }, 120_000);

  it("an addition: a new control plane joins the chain after the last control plane, before the workers, and the health check waits for it", async () => {
    const bigger = await run((c) => {
      c["talos-homelab:nodes"].push({ name: "cp-4", role: "controlplane", proxmoxNode: "pve1", vmId: 1104, ip: "192.168.10.14/24", cores: 4, memory: 8192, diskSize: 64 });
    });
    expect(["cp-1", "cp-2", "cp-3", "cp-4", "worker-1", "worker-2"].map((n) => gateBefore(bigger, n))).toEqual([
      "homelab-cluster-change",
      "homelab-cp-1-membership",
      "homelab-cp-2-membership",
      "homelab-cp-3-membership",
      "homelab-cp-4-membership",
      "homelab-worker-1-membership",
    ]);
    expect(bigger.byName("homelab-health").dependsOn).toContain("homelab-cp-4-membership");
    const health = plain(bigger.byName("homelab-health"));
    expect((health.controlPlanes as Json[]).map((c) => c.name)).toEqual(["cp-1", "cp-2", "cp-3", "cp-4"]);
    expect((plain(bigger.byName("homelab-worker-2-upgrade")).controlPlanes as Json[]).map((c) => c.name)).toContain("cp-4");
  }, 120_000);
});
