import { describe, expect, it } from "vitest";
import { type NodeUpgradeOutputs, diffNodeUpgrade, nodeUpgradeInputs, nodeUpgradeTarget, updateNodeUpgrade } from "../../components/dynamic/node-upgrade-logic";
import { nodeUpgradeProvider } from "../../components/dynamic/node-upgrade-provider";
import { runChain } from "./chain";
import { CONTROL_PLANES, MemoryCluster, NODES, fakeClock } from "./memory-cluster";

const image = (v: string) => `factory.talos.dev/nocloud-installer-secureboot/${"a".repeat(64)}:${v}`;
const inputsFor = (name: string, version: string) =>
  nodeUpgradeInputs({
    node: NODES.find((n) => n.name === name),
    controlPlanes: CONTROL_PLANES,
    talosVersion: version,
    installerImage: image(version),
    talosconfig: "t",
    kubeconfig: "k",
    timeoutSeconds: 120,
    pollSeconds: 5,
  });

function rollout(cluster: MemoryCluster, version: string, log: string[] = []) {
  const deps = { clients: { talos: cluster.talos(), kube: cluster.kube() }, clock: fakeClock(), log: (m: string) => void log.push(m) };
  return runChain(NODES.map((n) => ({ name: n.name, run: async () => void (await updateNodeUpgrade(inputsFor(n.name, version), deps)) })));
}

describe("TalosNodeUpgrade logic", () => {
  it("upgrades one node at a time, control planes first, never two control planes down at once", async () => {
    const cluster = new MemoryCluster(NODES, "v1.13.9", "v1.35.4");
    const result = await rollout(cluster, "v1.14.1");
    expect(result).toEqual({ done: NODES.map((n) => n.name) });
    expect(cluster.events).toEqual(NODES.map((n) => `upgrade ${n.name} v1.14.1`));
    expect(cluster.maxControlPlanesDown).toBe(1);
    for (const n of cluster.nodes.values()) expect(n.version).toBe("v1.14.1");
  });

  it("stops at a node that fails its health gate, with node, step and Talos's message; the next run resumes there", async () => {
    const cluster = new MemoryCluster(NODES, "v1.13.9", "v1.35.4");
    cluster.afterUpgrade = (node) => {
      if (node.name === "cp-2") cluster.failures.push({ method: "EtcdStatus", node: "cp-2", message: "UNKNOWN: etcdserver: request timed out" });
    };
    const first = await rollout(cluster, "v1.14.1");
    expect(first.done).toEqual(["cp-1"]);
    expect(first.failed?.node).toBe("cp-2");
    expect(first.failed?.error.message).toMatch(/^TalosNodeUpgrade: node cp-2 \(10\.0\.0\.12\), step "health after upgrade": not healthy after 120s; failing checks:/);
    expect(first.failed?.error.message).toContain("etcd on cp-2: Talos API EtcdStatus on node 10.0.0.12 failed: UNKNOWN: etcdserver: request timed out");
    expect(cluster.events).toEqual(["upgrade cp-1 v1.14.1", "upgrade cp-2 v1.14.1"]);
    expect(cluster.byName("cp-3").version).toBe("v1.13.9");

    cluster.failures = [];
    cluster.afterUpgrade = () => undefined;
    const log: string[] = [];
    // Pulumi re-runs cp-2's update (its state still says v1.13.9); cp-1 is unchanged and skipped.
    const second = await runChain(
      NODES.slice(1).map((n) => ({
        name: n.name,
        run: async () => void (await updateNodeUpgrade(inputsFor(n.name, "v1.14.1"), { clients: { talos: cluster.talos(), kube: cluster.kube() }, clock: fakeClock(), log: (m) => void log.push(m) })),
      })),
    );
    expect(second).toEqual({ done: ["cp-2", "cp-3", "worker-1", "worker-2"] });
    expect(log).toContain("node cp-2 already runs v1.14.1: resuming at its health gate");
    expect(cluster.events.filter((e) => e.startsWith("upgrade cp-2"))).toHaveLength(1);
  });

  it("does not start while the cluster is unhealthy (pre-flight), so a second control plane is never taken down", async () => {
    const cluster = new MemoryCluster(NODES, "v1.13.9", "v1.35.4");
    cluster.byName("cp-3").etcdErrors.push("member is unreachable");
    const result = await rollout(cluster, "v1.14.1");
    expect(result.done).toEqual([]);
    expect(result.failed?.error.message).toMatch(/node cp-1 .*step "pre-flight health".*etcd on cp-3 is unhealthy: member is unreachable/s);
    expect(cluster.events).toEqual([]);
  });

  it("a new schematic at the same version upgrades every node again, waiting for each reboot (the version cannot show it)", async () => {
    const cluster = new MemoryCluster(NODES, "v1.14.1", "v1.35.4");
    const other = image("v1.14.1").replace("a".repeat(64), "b".repeat(64));
    const log: string[] = [];
    const deps = { clients: { talos: cluster.talos(), kube: cluster.kube() }, clock: fakeClock(), log: (m: string) => void log.push(m) };
    const result = await runChain(
      NODES.map((n) => ({
        name: n.name,
        run: async () => void (await updateNodeUpgrade({ ...inputsFor(n.name, "v1.14.1"), installerImage: other }, deps, { talosVersion: "v1.14.1" })),
      })),
    );
    expect(result.done).toEqual(NODES.map((n) => n.name));
    expect(cluster.events).toEqual(NODES.map((n) => `upgrade ${n.name} v1.14.1`));
    expect(log.filter((m) => m.includes("is rebooting into"))).toHaveLength(5);
    expect(cluster.maxControlPlanesDown).toBe(1);
  });

  it("stops with Talos's own message when the Upgrade call is refused", async () => {
    const cluster = new MemoryCluster(NODES, "v1.13.9", "v1.35.4");
    cluster.failures.push({ method: "Upgrade", node: "cp-1", message: "FailedPrecondition: upgrade is already in progress" });
    const result = await rollout(cluster, "v1.14.1");
    expect(result.failed?.error.message).toBe(
      'TalosNodeUpgrade: node cp-1 (10.0.0.11), step "upgrade": Talos API Upgrade on node 10.0.0.11 failed: FailedPrecondition: upgrade is already in progress',
    );
  });

  it("refuses a running version Talos cannot upgrade from, before calling Upgrade", async () => {
    const cluster = new MemoryCluster(NODES, "v1.11.5", "v1.34.1");
    const result = await rollout(cluster, "v1.14.1");
    expect(result.failed?.error.message).toContain('step "upgrade path": Talos v1.14.1 upgrades only from v1.12.0 or newer');
    expect(cluster.events).toEqual([]);
  });

  it("diffs on the installer image (version or schematic), and check refuses a skipped minor in preview", async () => {
    const olds: NodeUpgradeOutputs = { node: NODES[0] as NodeUpgradeOutputs["node"], talosVersion: "v1.13.9", installerImage: image("v1.13.9") };
    const target = (v: string, img = image(v)) => nodeUpgradeTarget({ node: NODES[0], talosVersion: v, installerImage: img });
    expect(diffNodeUpgrade(olds, target("v1.13.9")).changes).toBe(false);
    expect(diffNodeUpgrade(olds, target("v1.14.1")).changes).toBe(true);
    expect(diffNodeUpgrade(olds, target("v1.13.9", image("v1.13.9").replace("a".repeat(64), "b".repeat(64)))).changes).toBe(true);
    const news = { ...inputsFor("cp-1", "v1.14.1") };
    await expect(nodeUpgradeProvider.check?.({ talosVersion: "v1.11.5" }, news)).rejects.toThrow(/talosVersion "v1.14.1": Talos v1.14.1 upgrades only from v1.12.0/);
  });
});
