/**
 * An in-memory cluster behind the roll-out's Talos and Kubernetes interfaces, for the logic tests: nodes go down
 * for a few probes after an Upgrade and come back at the image's version, every call lands in one ordered log.
 */
import type { EtcdMemberInfo, KubePod, RolloutClock, RolloutKube, RolloutNode, RolloutTalos } from "../../components/dynamic/rollout-api";

export interface MemoryNode extends RolloutNode {
  version: string;
  kubelet: string;
  /** Probes left before a rebooting node answers again. */
  downFor: number;
  ready: boolean;
  etcdMember: boolean;
  etcdErrors: string[];
  registered: boolean;
  unschedulable: boolean;
  reset: boolean;
}

export class MemoryCluster {
  readonly events: string[] = [];
  readonly nodes = new Map<string, MemoryNode>();
  pods: (KubePod & { node: string })[] = [];
  /** Per method: a Talos error message to fail with (once per listed node name, or always with "*"). */
  failures: { method: string; node: string; message: string }[] = [];
  /** The most control planes ever down at the same time. */
  maxControlPlanesDown = 0;
  rebootProbes = 2;
  /** Called after a node accepted an Upgrade (e.g. to make it come back broken). */
  afterUpgrade: (node: MemoryNode) => void = () => undefined;

  constructor(nodes: readonly RolloutNode[], version: string, kubelet: string) {
    for (const n of nodes) {
      this.nodes.set(n.address, {
        ...n,
        version,
        kubelet,
        downFor: 0,
        ready: true,
        etcdMember: n.role === "controlplane",
        etcdErrors: [],
        registered: true,
        unschedulable: false,
        reset: false,
      });
    }
  }

  byName(name: string): MemoryNode {
    const node = [...this.nodes.values()].find((n) => n.name === name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  private at(address: string, method: string): MemoryNode {
    const node = this.nodes.get(address);
    if (node === undefined) throw new Error(`connect ECONNREFUSED ${address}:50000`);
    const failure = this.failures.find((f) => f.method === method && (f.node === node.name || f.node === "*"));
    if (failure !== undefined) throw new Error(`Talos API ${method} on node ${address} failed: ${failure.message}`);
    if (node.reset) throw new Error(`Talos API ${method} on node ${address} failed: UNAVAILABLE: node was reset`);
    if (node.downFor > 0) {
      node.downFor--;
      this.trackDown();
      throw new Error(`Talos API ${method} on node ${address} failed: UNAVAILABLE: connection refused (rebooting)`);
    }
    node.ready = true;
    return node;
  }

  private trackDown(): void {
    const down = [...this.nodes.values()].filter((n) => n.role === "controlplane" && n.downFor > 0).length;
    this.maxControlPlanesDown = Math.max(this.maxControlPlanesDown, down);
  }

  private members(): EtcdMemberInfo[] {
    return [...this.nodes.values()].filter((n) => n.etcdMember).map((n, i) => ({ id: String(i + 1), hostname: n.name, clientHost: n.address }));
  }

  talos(): RolloutTalos {
    return {
      version: async (a) => this.at(a, "Version").version,
      etcdMembers: async (a) => (this.at(a, "EtcdMemberList"), this.members()),
      etcdErrors: async (a) => this.at(a, "EtcdStatus").etcdErrors,
      upgrade: async (a, image) => {
        const node = this.at(a, "Upgrade");
        this.events.push(`upgrade ${node.name} ${image.slice(image.lastIndexOf(":") + 1)}`);
        node.version = image.slice(image.lastIndexOf(":") + 1);
        node.downFor = this.rebootProbes;
        node.ready = false;
        this.trackDown();
        this.afterUpgrade(node);
      },
      etcdLeave: async (a) => {
        const node = this.at(a, "EtcdLeaveCluster");
        this.events.push(`etcd-leave ${node.name}`);
        node.etcdMember = false;
      },
      etcdRemoveMember: async (a, id) => {
        this.at(a, "EtcdRemoveMemberByID");
        const member = this.members().find((m) => m.id === id);
        this.events.push(`etcd-remove ${member?.hostname ?? id}`);
        if (member !== undefined) this.byName(member.hostname).etcdMember = false;
      },
      reset: async (a, graceful) => {
        const node = this.at(a, "Reset");
        this.events.push(`reset ${node.name}${graceful ? " graceful" : ""}`);
        node.reset = true;
      },
    };
  }

  kube(): RolloutKube {
    const find = (name: string) => [...this.nodes.values()].find((n) => n.name === name && n.registered);
    return {
      node: async (name) => {
        const n = find(name);
        if (n === undefined) return undefined;
        const up = n.downFor === 0 && n.ready && !n.reset;
        return { name, ready: up, detail: up ? "KubeletReady" : "NodeStatusUnknown: Kubelet stopped posting node status", kubeletVersion: n.kubelet, unschedulable: n.unschedulable };
      },
      cordon: async (name) => {
        const n = find(name);
        this.events.push(`cordon ${name}`);
        if (n === undefined) return false;
        n.unschedulable = true;
        return true;
      },
      podsOn: async (name) => this.pods.filter((p) => p.node === name),
      evict: async (pod) => {
        this.events.push(`evict ${pod.namespace}/${pod.name}`);
        this.pods = this.pods.filter((p) => !(p.namespace === pod.namespace && p.name === pod.name));
        return "evicted";
      },
      deleteNode: async (name) => {
        this.events.push(`delete-node ${name}`);
        const n = find(name);
        if (n !== undefined) n.registered = false;
      },
    };
  }
}

export function fakeClock(): RolloutClock & { elapsed(): number } {
  let now = 0;
  return { now: () => now, sleep: async (ms) => void (now += ms), elapsed: () => now };
}

export const NODES: readonly RolloutNode[] = [
  { name: "cp-1", address: "10.0.0.11", role: "controlplane" },
  { name: "cp-2", address: "10.0.0.12", role: "controlplane" },
  { name: "cp-3", address: "10.0.0.13", role: "controlplane" },
  { name: "worker-1", address: "10.0.0.21", role: "worker" },
  { name: "worker-2", address: "10.0.0.22", role: "worker" },
];
export const CONTROL_PLANES = NODES.filter((n) => n.role === "controlplane");
