import { describe, expect, it } from "vitest";
import { deleteNodeMembership, diffNodeMembership, nodeMembershipInputs, nodeMembershipTarget, updateNodeMembership } from "../../components/dynamic/node-membership-logic";
import { runChain } from "./chain";
import { CONTROL_PLANES, MemoryCluster, NODES, fakeClock } from "./memory-cluster";

const stateFor = (name: string, controlPlanes = CONTROL_PLANES, kubernetesVersion = "1.35.4") =>
  nodeMembershipInputs({
    node: NODES.find((n) => n.name === name),
    controlPlanes,
    talosVersion: "v1.14.1",
    kubernetesVersion,
    talosconfig: "t",
    kubeconfig: "k",
    timeoutSeconds: 60,
    drainTimeoutSeconds: 30,
    pollSeconds: 5,
  });

function depsOf(cluster: MemoryCluster, log: string[] = []) {
  return { clients: { talos: cluster.talos(), kube: cluster.kube() }, clock: fakeClock(), log: (m: string) => void log.push(m) };
}

describe("TalosNodeMembership: node removal", () => {
  it("removing a worker cordons, drains (DaemonSet pods stay), resets gracefully and deletes the Kubernetes node, in that order", async () => {
    const cluster = new MemoryCluster(NODES, "v1.14.1", "v1.35.4");
    cluster.pods = [
      { node: "worker-2", namespace: "apps", name: "web-1", drainable: true },
      { node: "worker-2", namespace: "kube-system", name: "cilium-x", drainable: false },
      { node: "worker-1", namespace: "apps", name: "web-2", drainable: true },
    ];
    await deleteNodeMembership(stateFor("worker-2"), depsOf(cluster));
    expect(cluster.events).toEqual(["cordon worker-2", "evict apps/web-1", "reset worker-2 graceful", "delete-node worker-2"]);
    expect(cluster.pods.map((p) => p.name)).toEqual(["cilium-x", "web-2"]);
  });

  it("removing one of three control planes leaves etcd before the reset", async () => {
    const cluster = new MemoryCluster(NODES, "v1.14.1", "v1.35.4");
    const log: string[] = [];
    await deleteNodeMembership(stateFor("cp-3"), depsOf(cluster, log));
    expect(cluster.events).toEqual(["cordon cp-3", "etcd-leave cp-3", "reset cp-3 graceful", "delete-node cp-3"]);
    expect(log).toContain("cp-3 left etcd; 2 member(s) remain: cp-1, cp-2");
  });

  it("removes the member by id through a peer when the leaving node cannot answer", async () => {
    const cluster = new MemoryCluster(NODES, "v1.14.1", "v1.35.4");
    cluster.failures.push({ method: "EtcdLeaveCluster", node: "cp-3", message: "UNAVAILABLE: connection refused" });
    await deleteNodeMembership(stateFor("cp-3"), depsOf(cluster));
    expect(cluster.events).toEqual(["cordon cp-3", "etcd-remove cp-3", "reset cp-3 graceful", "delete-node cp-3"]);
  });

  it("refuses to remove the last control plane, and one whose leaving would break quorum, touching nothing", async () => {
    const two = CONTROL_PLANES.slice(0, 2);
    const cluster = new MemoryCluster([...two, ...NODES.slice(3)], "v1.14.1", "v1.35.4");
    await deleteNodeMembership(stateFor("cp-2", two), depsOf(cluster));
    // The last two, one after the other: the second is refused.
    await expect(deleteNodeMembership(stateFor("cp-1", two), depsOf(cluster))).rejects.toThrow(
      'TalosNodeMembership (removal): node cp-1 (10.0.0.11), step "quorum check": cp-1 is etcd\'s only member: removing it would leave the cluster without etcd',
    );
    await expect(deleteNodeMembership(stateFor("cp-1", [two[0] as (typeof two)[0]]), depsOf(cluster))).rejects.toThrow(/cp-1 is the last control plane/);
    expect(cluster.events).toEqual(["cordon cp-2", "etcd-leave cp-2", "reset cp-2 graceful", "delete-node cp-2"]);

    const three = new MemoryCluster(NODES, "v1.14.1", "v1.35.4");
    three.byName("cp-2").etcdErrors.push("raft: not leader, no quorum");
    await expect(deleteNodeMembership(stateFor("cp-3"), depsOf(three))).rejects.toThrow(
      /would leave etcd 2 member\(s\) of which 1 are healthy, below quorum 2 \(cp-2: raft: not leader, no quorum\)/,
    );
    expect(three.events).toEqual([]);
  });

  it("counts a control plane added after the state was recorded by its etcd client URL", async () => {
    const cp4 = { name: "cp-4", address: "10.0.0.14", role: "controlplane" as const };
    const cluster = new MemoryCluster([...CONTROL_PLANES, cp4], "v1.14.1", "v1.35.4");
    // cp-1's state knows only cp-1..cp-3; cp-3 is down, so the quorum of the 3 left needs cp-4 counted healthy.
    cluster.byName("cp-3").etcdErrors.push("member is unreachable");
    await deleteNodeMembership(stateFor("cp-1"), depsOf(cluster));
    expect(cluster.events).toEqual(["cordon cp-1", "etcd-leave cp-1", "reset cp-1 graceful", "delete-node cp-1"]);
  });

  it("a drain that cannot finish stops with the pods left, before etcd or the reset", async () => {
    const cluster = new MemoryCluster(NODES, "v1.14.1", "v1.35.4");
    cluster.pods = [{ node: "cp-3", namespace: "apps", name: "db-0", drainable: true }];
    const kube = cluster.kube();
    const deps = { ...depsOf(cluster), clients: { talos: cluster.talos(), kube: { ...kube, evict: async () => "blocked" as const } } };
    await expect(deleteNodeMembership(stateFor("cp-3"), deps)).rejects.toThrow(
      'step "drain": pods still on the node after 30s: apps/db-0 (evictions refused by a PodDisruptionBudget)',
    );
    expect(cluster.events).toEqual(["cordon cp-3"]);
  });
});

describe("TalosNodeMembership: the health gate of a Kubernetes upgrade", () => {
  it("waits node by node for kubelet at the new version, and stops the chain at a node that does not get there", async () => {
    const cluster = new MemoryCluster(NODES, "v1.14.1", "v1.35.4");
    const order: string[] = [];
    // The config apply moves the kubelet; here worker-1's kubelet never comes up at the new version.
    const chain = NODES.map((n) => ({
      name: n.name,
      run: async () => {
        if (n.name !== "worker-1") cluster.byName(n.name).kubelet = "v1.36.3";
        order.push(n.name);
        await updateNodeMembership(stateFor(n.name, CONTROL_PLANES, "1.36.3"), { kubernetesVersion: "1.35.4" }, depsOf(cluster));
      },
    }));
    const result = await runChain(chain);
    expect(result.done).toEqual(["cp-1", "cp-2", "cp-3"]);
    expect(result.failed?.error.message).toMatch(
      /^TalosNodeMembership: node worker-1 \(10\.0\.0\.21\), step "health after config apply": not healthy after 60s; failing checks:\n {2}- kubernetes node worker-1 runs kubelet v1\.35\.4, not v1\.36\.3 yet/,
    );
    expect(order).toEqual(["cp-1", "cp-2", "cp-3", "worker-1"]);
  });

  it("diffs on the versions only", () => {
    const olds = stateFor("cp-1");
    expect(diffNodeMembership(olds, nodeMembershipTarget({ ...olds, controlPlanes: [] })).changes).toBe(false);
    expect(diffNodeMembership(olds, nodeMembershipTarget({ ...olds, kubernetesVersion: "1.36.3" })).changes).toBe(true);
    expect(diffNodeMembership(olds, nodeMembershipTarget({ ...olds, talosVersion: "v1.14.2" })).changes).toBe(true);
  });
});
