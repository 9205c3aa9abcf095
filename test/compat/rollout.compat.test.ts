import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { clusterChangeProvider } from "../../components/dynamic/cluster-change-provider";
import { configApplyProvider } from "../../components/dynamic/config-apply-provider";
import { parseKubeconfig } from "../../components/dynamic/kube-client";
import { deleteNodeMembership, nodeMembershipInputs } from "../../components/dynamic/node-membership-logic";
import { nodeMembershipProvider } from "../../components/dynamic/node-membership-provider";
import { nodeUpgradeProvider } from "../../components/dynamic/node-upgrade-provider";
import { type RolloutKube, type RolloutNode, type RolloutTalos, realClock } from "../../components/dynamic/rollout-api";
import { liveRolloutKube } from "../../components/dynamic/rollout-kube";
import { liveRolloutTalos } from "../../components/dynamic/rollout-talos";
import { runChain } from "../rollout/chain";
import { FakeTalosCluster } from "./helpers/fake-talos-cluster";
import { KubeStandin } from "./helpers/kube-standin-process";
import { requireOracle, runTool } from "./helpers/tools";

// The roll-out resources' providers (TalosClusterChange, TalosNodeUpgrade, TalosConfigApply, TalosNodeMembership)
// driven in the order Pulumi's dependency chain gives them, against a 3 control plane + 2 worker fake cluster:
// `talos-oracle serve` per node on loopback (etcd state shared between the processes, reboot windows, injected
// faults) and the loopback Kubernetes stand-in (Node Ready and kubelet version, cordon, pods, eviction).

const oracle = requireOracle("v1.14");
const root = mkdtempSync(join(tmpdir(), "rollout-compat-"));
const REBOOT_MS = 1_500;
const SCHEMATIC = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";
const installer = (v: string) => `factory.talos.dev/nocloud-installer-secureboot/${SCHEMATIC}:${v}`;
const ORDER = ["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"];

interface Fixture {
  cluster: FakeTalosCluster;
  kube: KubeStandin;
  talosconfig: string;
  nodes: RolloutNode[];
  controlPlanes: RolloutNode[];
}

const running: Fixture[] = [];
let count = 0;

function talosconfigOf(cluster: FakeTalosCluster): string {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const { ca, crt, key } = cluster.admin;
  return `context: fake\ncontexts:\n  fake:\n    endpoints: [${cluster.node("cp-1").ip}]\n    ca: ${b64(ca)}\n    crt: ${b64(crt)}\n    key: ${b64(key)}\n`;
}

async function start(options: { pods?: string[]; kubelet?: string } = {}): Promise<Fixture> {
  const dir = join(root, `c${++count}`);
  const cluster = await FakeTalosCluster.start({ oracle, dir, talosVersion: "v1.13.9", rebootDelayMs: REBOOT_MS });
  const records = new Map(cluster.nodes.map((n) => [n.name, join(dir, `apid-${n.name}.jsonl`)]));
  const host = `${cluster.node("cp-1").ip.split(".").slice(0, 3).join(".")}.10`;
  const kube = await KubeStandin.start({ dir, host, records, kubeletVersion: options.kubelet ?? "v1.36.3", rebootSeconds: REBOOT_MS / 1000, pods: options.pods ?? [] });
  const nodes = cluster.nodes.map((n) => ({ name: n.name, address: n.ip, role: n.role }));
  const fixture = { cluster, kube, talosconfig: talosconfigOf(cluster), nodes, controlPlanes: nodes.filter((n) => n.role === "controlplane") };
  running.push(fixture);
  return fixture;
}

afterEach(async () => {
  for (const f of running.splice(0)) await Promise.all([f.cluster.stop(), f.kube.stop()]);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const node = (f: Fixture, name: string) => f.nodes.find((n) => n.name === name) as RolloutNode;

function upgradeInputs(f: Fixture, name: string, version: string, timeoutSeconds = 30) {
  return { node: node(f, name), controlPlanes: f.controlPlanes, talosVersion: version, installerImage: installer(version), talosconfig: f.talosconfig, kubeconfig: f.kube.kubeconfig, timeoutSeconds, pollSeconds: 0.3 };
}

function membershipInputs(f: Fixture, name: string, kubernetesVersion: string, timeoutSeconds = 30) {
  return { node: node(f, name), controlPlanes: f.controlPlanes, talosVersion: "v1.13.9", kubernetesVersion, talosconfig: f.talosconfig, kubeconfig: f.kube.kubeconfig, timeoutSeconds, pollSeconds: 0.3, drainTimeoutSeconds: 10 };
}

/** Watches the fake cluster's shared state: the order nodes received upgrades and the most control planes down at once. */
function watch(f: Fixture, onUpgrade: (node: string) => void = () => undefined) {
  const upgradeOrder: string[] = [];
  const seen = new Map<string, number>();
  let maxControlPlanesDown = 0;
  const timer = setInterval(() => {
    let state;
    try {
      state = f.cluster.state();
    } catch {
      return; // being rewritten
    }
    const now = Date.now();
    const down = Object.entries(state.nodes).filter(([, n]) => n.role === "controlplane" && n.downUntil !== undefined && Date.parse(n.downUntil) > now).length;
    maxControlPlanesDown = Math.max(maxControlPlanesDown, down);
    for (const [name, n] of Object.entries(state.nodes)) {
      const upgrades = n.upgrades?.length ?? 0;
      for (let i = seen.get(name) ?? 0; i < upgrades; i++) {
        upgradeOrder.push(name);
        onUpgrade(name);
      }
      seen.set(name, upgrades);
    }
  }, 50);
  return { upgradeOrder, maxDown: () => maxControlPlanesDown, stop: () => clearInterval(timer) };
}

const upgradeChain = (f: Fixture, names: readonly string[], version: string, timeoutSeconds?: number) =>
  runChain(
    names.map((name) => ({
      name,
      run: async () => {
        const olds = { node: node(f, name), talosVersion: "v1.13.9", installerImage: installer("v1.13.9") };
        const news = upgradeInputs(f, name, version, timeoutSeconds);
        await nodeUpgradeProvider.check?.(olds, news);
        const diff = await nodeUpgradeProvider.diff?.(`${name}-upgrade`, olds, news);
        if (diff?.changes === true) await nodeUpgradeProvider.update?.(`${name}-upgrade`, olds, news);
      },
    })),
  );

const tag = async (f: Fixture, name: string) => (await f.cluster.client(name).version()).messages[0]?.version?.tag;

describe("Talos upgrade roll-out against a 3+2 fake cluster", () => {
  it("upgrades one node at a time, control planes first, never two control planes down at once", async () => {
    const f = await start();
    const watcher = watch(f);
    const result = await upgradeChain(f, ORDER, "v1.14.1");
    watcher.stop();
    expect(result).toEqual({ done: ORDER });
    expect(watcher.upgradeOrder).toEqual(ORDER);
    expect(watcher.maxDown()).toBe(1);
    // The fake's own count (rebooting or off at the same time), kept in its shared state.
    expect(f.cluster.state().maxControlPlanesDown).toBe(1);
    for (const name of ORDER) {
      expect(await tag(f, name)).toBe("v1.14.1");
      const upgrades = f.cluster.calls(name).filter((c) => c.method === "/machine.MachineService/Upgrade");
      expect(upgrades.map((c) => [c.code, c.request?.image])).toEqual([["OK", installer("v1.14.1")]]);
    }
    expect(f.cluster.state().members.map((m) => m.hostname).sort()).toEqual(["cp-1", "cp-2", "cp-3"]);
  }, 180_000);

  it("a node failing its health gate stops the roll-out with node, step and Talos's message; the second run resumes there", async () => {
    const f = await start();
    // cp-2 comes back from its upgrade with its etcd failing the status call (set while it reboots).
    const watcher = watch(f, (name) => {
      if (name === "cp-2") f.cluster.setFaults("cp-2", { fail: ["EtcdStatus:message=etcdserver: request timed out"] });
    });
    const first = await upgradeChain(f, ORDER, "v1.14.1", 8);
    watcher.stop();
    expect(first.done).toEqual(["cp-1"]);
    expect(first.failed?.node).toBe("cp-2");
    const message = first.failed?.error.message ?? "";
    expect(message).toMatch(new RegExp(`^TalosNodeUpgrade: node cp-2 \\(${node(f, "cp-2").address.replace(/\./g, "\\.")}\\), step "health after upgrade": not healthy after 8s`));
    expect(message).toContain(`etcd on cp-2: Talos API EtcdStatus on node ${node(f, "cp-2").address} failed: UNKNOWN: etcdserver: request timed out`);
    expect(await tag(f, "cp-3")).toBe("v1.13.9");
    expect(f.cluster.calls("cp-3").some((c) => c.method === "/machine.MachineService/Upgrade")).toBe(false);

    f.cluster.setFaults("cp-2", {});
    const second = await upgradeChain(f, ORDER.slice(1), "v1.14.1");
    expect(second).toEqual({ done: ORDER.slice(1) });
    for (const name of ORDER) expect(await tag(f, name)).toBe("v1.14.1");
    // Resumed at cp-2's health gate: it was not upgraded a second time.
    expect(f.cluster.calls("cp-2").filter((c) => c.method === "/machine.MachineService/Upgrade")).toHaveLength(1);
  }, 180_000);

  it("refuses a skipped minor Talos does not support, in check, before any node is called", async () => {
    const f = await start();
    const before = ORDER.map((n) => f.cluster.calls(n).length);
    const olds = { talosVersion: "v1.11.5", kubernetesVersion: "1.34.1", installerImage: installer("v1.11.5"), controlPlanes: ["cp-1", "cp-2", "cp-3"], workers: ["worker-1", "worker-2"] };
    await expect(clusterChangeProvider.check?.(olds, { ...olds, talosVersion: "v1.14.1", installerImage: installer("v1.14.1") })).rejects.toThrow(
      'talosVersion "v1.14.1": Talos v1.14.1 upgrades only from v1.12.0 or newer, and the nodes run v1.11.5: upgrade in steps, v1.11.5 -> v1.13.9 -> v1.14.1',
    );
    expect(ORDER.map((n) => f.cluster.calls(n).length)).toEqual(before);
  }, 60_000);
});

/** Machine configs at a Kubernetes version, as Talos's own generator writes them (talos-oracle gen-config). */
function configsAt(dir: string, kubernetesVersion: string): Record<"controlplane" | "worker", string> {
  const secretsFile = join(dir, "secrets.yaml");
  runTool(oracle, ["gen-secrets", "--talos-version", "v1.14.1", "-o", secretsFile]);
  const render = (role: "controlplane" | "worker") => {
    const spec = join(dir, `spec-${role}.json`);
    writeFileSync(spec, JSON.stringify({ secretsFile, clusterName: "fake", endpoint: "https://127.0.0.1:6443", kubernetesVersion, talosVersion: "v1.14.1", role, patches: ["machine:\n  install:\n    disk: /dev/sda\n"] }));
    const out = join(dir, `${role}.yaml`);
    runTool(oracle, ["gen-config", spec, "-o", out]);
    return readFileSync(out, "utf8");
  };
  return { controlplane: render("controlplane"), worker: render("worker") };
}

describe("Kubernetes upgrade roll-out against the 3+2 fake cluster", () => {
  it("refuses a two-minor jump in check, naming the field, the value and the path", async () => {
    const olds = { talosVersion: "v1.14.1", kubernetesVersion: "1.35.4", installerImage: installer("v1.14.1"), controlPlanes: ["cp-1", "cp-2", "cp-3"], workers: ["worker-1", "worker-2"] };
    await expect(clusterChangeProvider.check?.(olds, { ...olds, kubernetesVersion: "1.37.0" })).rejects.toThrow(
      'kubernetesVersion "1.37.0" jumps 2 minor versions from 1.35.4; Kubernetes upgrades one minor version at a time: upgrade in steps, 1.35.4 -> 1.36.x -> 1.37.0',
    );
  });

  it("applies the new component images node by node and waits for each kubelet; a node that stays behind stops the chain, the next run resumes", async () => {
    const f = await start({ kubelet: "v1.36.3" });
    const configs = configsAt(join(f.cluster.dir, ".."), "1.37.0");
    const chainFrom = (names: readonly string[]) =>
      runChain(
        names.map((name) => ({
          name,
          run: async () => {
            const role = node(f, name).role;
            await configApplyProvider.update?.(`${name}-config`, { configHash: "old" }, { node: node(f, name).address, config: configs[role], talosconfig: f.talosconfig, timeoutSeconds: 20 });
            await nodeMembershipProvider.update?.(`${name}-membership`, membershipInputs(f, name, "1.36.3"), membershipInputs(f, name, "1.37.0", 6));
          },
        })),
      );
    f.kube.control({ notReady: ["worker-1"] });
    const first = await chainFrom(ORDER);
    expect(first.done).toEqual(["cp-1", "cp-2", "cp-3"]);
    expect(first.failed?.error.message).toMatch(/^TalosNodeMembership: node worker-1 \(.*\), step "health after config apply": not healthy after 6s; failing checks:\n {2}- kubernetes node worker-1 is not Ready/);
    const applies = (name: string) => f.cluster.calls(name).filter((c) => c.method === "/machine.MachineService/ApplyConfiguration" && c.code === "OK").length;
    expect(ORDER.map(applies)).toEqual([1, 1, 1, 1, 0]);

    f.kube.control({});
    const second = await chainFrom(["worker-1", "worker-2"]);
    expect(second).toEqual({ done: ["worker-1", "worker-2"] });
    const kube = liveRolloutKube(parseKubeconfig(f.kube.kubeconfig));
    for (const name of ORDER) expect((await kube.node(name))?.kubeletVersion).toBe("v1.37.0");
  }, 180_000);
});

/** Real clients that also note each call, in order, to prove the order of the steps across the two APIs. */
function tapped(f: Fixture, events: string[]): { talos: RolloutTalos; kube: RolloutKube } {
  const talos = liveRolloutTalos(f.cluster.admin);
  const kube = liveRolloutKube(parseKubeconfig(f.kube.kubeconfig));
  const name = (address: string) => f.nodes.find((n) => n.address === address)?.name ?? address;
  return {
    talos: {
      ...talos,
      etcdLeave: async (a) => (events.push(`etcd-leave ${name(a)}`), talos.etcdLeave(a)),
      etcdRemoveMember: async (a, id) => (events.push(`etcd-remove ${id} via ${name(a)}`), talos.etcdRemoveMember(a, id)),
      reset: async (a, graceful) => (events.push(`reset ${name(a)} graceful=${graceful}`), talos.reset(a, graceful)),
    },
    kube: {
      ...kube,
      cordon: async (n) => (events.push(`cordon ${n}`), kube.cordon(n)),
      evict: async (pod) => (events.push(`evict ${pod.namespace}/${pod.name}`), kube.evict(pod)),
      deleteNode: async (n) => (events.push(`delete-node ${n}`), kube.deleteNode(n)),
    },
  };
}

describe("node removal against the 3+2 fake cluster", () => {
  it("removing a worker cordons, drains (DaemonSet pods stay), resets gracefully, then deletes the Kubernetes node", async () => {
    const f = await start({ pods: ["apps/web-1@worker-2", "apps/web-2@worker-1", "kube-system/cilium-x@worker-2:ds"] });
    const events: string[] = [];
    await deleteNodeMembership(nodeMembershipInputs(membershipInputs(f, "worker-2", "1.36.3")), { clients: tapped(f, events), clock: realClock, log: () => undefined });
    expect(events).toEqual(["cordon worker-2", "evict apps/web-1", "reset worker-2 graceful=true", "delete-node worker-2"]);
    expect(f.cluster.state().nodes["worker-2"]?.resets).toEqual([expect.objectContaining({ graceful: true, reboot: false })]);
    const requests = f.kube.requests().map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(requests).toEqual(expect.arrayContaining(["PATCH /api/v1/nodes/worker-2 200", "POST /api/v1/namespaces/apps/pods/web-1/eviction 201", "DELETE /api/v1/nodes/worker-2 200"]));
    expect(requests.some((r) => r.includes("cilium-x/eviction") || r.includes("web-2/eviction"))).toBe(false);
  }, 120_000);

  it("removing one of three control planes (through the provider) leaves etcd before the reset; the last two are refused", async () => {
    const f = await start();
    await nodeMembershipProvider.delete?.("cp-3-membership", membershipInputs(f, "cp-3", "1.36.3"));
    const cp3 = f.cluster.calls("cp-3").map((c) => c.method.replace("/machine.MachineService/", "")).filter((m) => m === "EtcdLeaveCluster" || m === "Reset");
    expect(cp3).toEqual(["EtcdLeaveCluster", "Reset"]);
    expect(f.cluster.state().members.map((m) => m.hostname).sort()).toEqual(["cp-1", "cp-2"]);
    expect(f.kube.requests().map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(["PATCH /api/v1/nodes/cp-3", "DELETE /api/v1/nodes/cp-3"]));

    // The stack change that removes the last two is refused in preview...
    const olds = { talosVersion: "v1.14.1", kubernetesVersion: "1.36.3", installerImage: installer("v1.14.1"), controlPlanes: ["cp-1", "cp-2"], workers: ["worker-1", "worker-2"] };
    await expect(clusterChangeProvider.check?.(olds, { ...olds, controlPlanes: [] })).rejects.toThrow(
      "nodes: the change removes every control plane (cp-1, cp-2): the cluster would have no etcd and no API server. Keep at least one control plane",
    );
    // ...and the node side refuses the last member too: after cp-2 goes, cp-1's removal is refused before any call changes it.
    const two = f.controlPlanes.filter((n) => n.name !== "cp-3");
    await nodeMembershipProvider.delete?.("cp-2-membership", { ...membershipInputs(f, "cp-2", "1.36.3"), controlPlanes: two });
    const callsBefore = f.cluster.calls("cp-1").length;
    await expect(nodeMembershipProvider.delete?.("cp-1-membership", { ...membershipInputs(f, "cp-1", "1.36.3"), controlPlanes: two })).rejects.toThrow(
      /node cp-1 \(.*\), step "quorum check": cp-1 is etcd's only member: removing it would leave the cluster without etcd/,
    );
    const after = f.cluster.calls("cp-1").slice(callsBefore).map((c) => c.method.replace("/machine.MachineService/", ""));
    expect(after.filter((m) => m !== "EtcdMemberList" && m !== "EtcdStatus")).toEqual([]);
    expect(f.cluster.state().members.map((m) => m.hostname)).toEqual(["cp-1"]);
  }, 120_000);
});
