/**
 * What the roll-out resources (TalosNodeUpgrade, TalosNodeMembership) ask of the Talos and Kubernetes APIs,
 * as narrow interfaces so the logic runs against fakes in tests and the real clients in the provider.
 */

/** A node as the roll-out sees it: hostname (etcd member and Kubernetes node name), Talos API address, role. */
export interface RolloutNode {
  readonly name: string;
  readonly address: string;
  readonly role: "controlplane" | "worker";
}

export interface EtcdMemberInfo {
  /** The member id as Talos prints it (decimal string of the uint64). */
  readonly id: string;
  readonly hostname: string;
  /** The host of its first client URL (the node's address on real Talos), when it has one. */
  readonly clientHost?: string;
}

/** Talos API calls, each to the node at `address`. Errors carry Talos's own message (TalosApiError). */
export interface RolloutTalos {
  /** The Talos version tag the node reports, e.g. "v1.14.1". */
  version(address: string): Promise<string>;
  etcdMembers(address: string): Promise<EtcdMemberInfo[]>;
  /** The errors etcd reports about its local member (empty when healthy). */
  etcdErrors(address: string): Promise<string[]>;
  upgrade(address: string, image: string): Promise<void>;
  etcdLeave(address: string): Promise<void>;
  etcdRemoveMember(address: string, memberId: string): Promise<void>;
  reset(address: string, graceful: boolean): Promise<void>;
}

export interface KubeNodeInfo {
  readonly name: string;
  readonly ready: boolean;
  /** The Ready condition's reason/message when not ready. */
  readonly detail: string;
  /** status.nodeInfo.kubeletVersion, e.g. "v1.35.4". */
  readonly kubeletVersion: string;
  readonly unschedulable: boolean;
}

export interface KubePod {
  readonly namespace: string;
  readonly name: string;
  /** Pods a drain leaves alone: DaemonSet-owned and static (mirror) pods. */
  readonly drainable: boolean;
}

/** The outcome of one eviction request. */
export type EvictionResult = "evicted" | "gone" | "blocked";

/** Kubernetes API calls (the admin kubeconfig's client certificate). */
export interface RolloutKube {
  /** The node, or undefined when it is not registered. */
  node(name: string): Promise<KubeNodeInfo | undefined>;
  /** Marks the node unschedulable; false when it is not registered. */
  cordon(name: string): Promise<boolean>;
  podsOn(name: string): Promise<KubePod[]>;
  /** POST .../eviction: "blocked" when a PodDisruptionBudget refuses it for now (HTTP 429). */
  evict(pod: KubePod): Promise<EvictionResult>;
  deleteNode(name: string): Promise<void>;
}

export interface RolloutClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: RolloutClock = { now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A roll-out step that failed: the resource, the node, the step and the underlying (Talos's own) message. */
export class RolloutStepError extends Error {
  constructor(
    readonly resource: string,
    readonly node: RolloutNode,
    readonly step: string,
    detail: string,
  ) {
    super(`${resource}: node ${node.name} (${node.address}), step "${step}": ${detail}`);
    this.name = "RolloutStepError";
  }
}
