/**
 * Taking a node out of the cluster before its VM is deleted: quorum check, cordon, drain (bounded), etcd leave
 * for a control plane, graceful reset over the Talos API, and the Kubernetes Node object deleted.
 */
import type { ProgressLog } from "../../talos/api/operations";
import type { GateClients } from "./node-gate-logic";
import { type EtcdMemberInfo, type KubePod, type RolloutClock, type RolloutNode, RolloutStepError, errorMessage } from "./rollout-api";

export const NODE_REMOVAL = "TalosNodeMembership (removal)";

export interface RemovalTarget {
  readonly node: RolloutNode;
  /** The control planes as last recorded (the removed node included): where to ask etcd. */
  readonly controlPlanes: readonly RolloutNode[];
  readonly drainTimeoutSeconds: number;
  readonly timeoutSeconds: number;
  readonly pollSeconds: number;
}

export interface RemovalDeps {
  readonly clients: GateClients;
  readonly clock: RolloutClock;
  readonly log: ProgressLog;
}

const quorumOf = (members: number) => Math.floor(members / 2) + 1;

async function step<T>(target: RemovalTarget, name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof RolloutStepError) throw err;
    throw new RolloutStepError(NODE_REMOVAL, target.node, name, errorMessage(err));
  }
}

/** The etcd member list as the first answering control plane sees it (another one if any answers). */
async function membersFromPeer(target: RemovalTarget, deps: RemovalDeps): Promise<{ peer: RolloutNode; members: EtcdMemberInfo[] }> {
  const peers = target.controlPlanes.filter((cp) => cp.name !== target.node.name);
  if (peers.length === 0) {
    throw new Error(`${target.node.name} is the last control plane: removing it would leave the cluster without etcd. Keep at least one control plane`);
  }
  const errors: string[] = [];
  // The node itself last: when every peer is gone, its own view still tells whether it is etcd's only member.
  for (const peer of [...peers, target.node]) {
    try {
      return { peer, members: await deps.clients.talos.etcdMembers(peer.address) };
    } catch (err) {
      errors.push(`${peer.name}: ${errorMessage(err)}`);
    }
  }
  throw new Error(`no control plane answers EtcdMemberList (${errors.join("; ")})`);
}

/** Refuses to take a control plane out when the members left behind would not hold quorum with the healthy ones. */
async function checkQuorum(target: RemovalTarget, deps: RemovalDeps): Promise<{ peer: RolloutNode; member?: EtcdMemberInfo }> {
  const { peer, members } = await membersFromPeer(target, deps);
  const member = members.find((m) => m.hostname === target.node.name);
  const remaining = members.filter((m) => m.hostname !== target.node.name);
  if (remaining.length === 0) throw new Error(`${target.node.name} is etcd's only member: removing it would leave the cluster without etcd`);
  let healthy = 0;
  const unhealthy: string[] = [];
  for (const m of remaining) {
    // A control plane added after this state was recorded is found through its etcd client URL.
    const address = target.controlPlanes.find((c) => c.name === m.hostname)?.address ?? m.clientHost;
    const errors =
      address === undefined ? ["no address known for it"] : await deps.clients.talos.etcdErrors(address).catch((err: unknown) => [errorMessage(err)]);
    if (errors.length === 0) healthy++;
    else unhealthy.push(`${m.hostname}: ${errors.join("; ")}`);
  }
  const quorum = quorumOf(remaining.length);
  if (healthy < quorum) {
    throw new Error(
      `removing ${target.node.name} would leave etcd ${remaining.length} member(s) of which ${healthy} are healthy, below quorum ${quorum} ` +
        `(${unhealthy.join("; ")}). Bring the unhealthy members back first, then run pulumi up again`,
    );
  }
  return member === undefined ? { peer } : { peer, member };
}

async function drain(target: RemovalTarget, deps: RemovalDeps): Promise<void> {
  const { kube } = deps.clients;
  const deadline = deps.clock.now() + target.drainTimeoutSeconds * 1000;
  for (;;) {
    const pods = (await kube.podsOn(target.node.name)).filter((pod) => pod.drainable);
    if (pods.length === 0) return;
    const blocked: KubePod[] = [];
    for (const pod of pods) if ((await kube.evict(pod)) === "blocked") blocked.push(pod);
    const left = (await kube.podsOn(target.node.name)).filter((pod) => pod.drainable);
    if (left.length === 0) return;
    if (deps.clock.now() >= deadline) {
      const names = left.map((p) => `${p.namespace}/${p.name}`).join(", ");
      throw new Error(`pods still on the node after ${target.drainTimeoutSeconds}s: ${names}${blocked.length > 0 ? " (evictions refused by a PodDisruptionBudget)" : ""}`);
    }
    deps.log(`draining ${target.node.name}: ${left.length} pod(s) left`);
    await deps.clock.sleep(Math.min(target.pollSeconds * 1000, Math.max(0, deadline - deps.clock.now())));
  }
}

/** EtcdLeaveCluster on the node itself; if it cannot answer, the member is removed by id through a peer. Then verified. */
async function leaveEtcd(target: RemovalTarget, found: { peer: RolloutNode; member?: EtcdMemberInfo }, deps: RemovalDeps): Promise<void> {
  const { talos } = deps.clients;
  if (found.member === undefined) {
    deps.log(`${target.node.name} is not an etcd member (any more): nothing to leave`);
    return;
  }
  try {
    await talos.etcdLeave(target.node.address);
  } catch (err) {
    deps.log(`EtcdLeaveCluster on ${target.node.name} failed (${errorMessage(err)}); removing member ${found.member.id} through ${found.peer.name}`);
    await talos.etcdRemoveMember(found.peer.address, found.member.id);
  }
  const members = await talos.etcdMembers(found.peer.address);
  if (members.some((m) => m.hostname === target.node.name)) {
    throw new Error(`${found.peer.name} still lists ${target.node.name} as an etcd member after it left`);
  }
  deps.log(`${target.node.name} left etcd; ${members.length} member(s) remain: ${members.map((m) => m.hostname).join(", ")}`);
}

export async function removeNode(target: RemovalTarget, deps: RemovalDeps): Promise<void> {
  const { node } = target;
  const isControlPlane = node.role === "controlplane";
  const found = isControlPlane ? await step(target, "quorum check", () => checkQuorum(target, deps)) : undefined;
  deps.log(`removing ${node.role} ${node.name}: cordon`);
  const registered = await step(target, "cordon", () => deps.clients.kube.cordon(node.name));
  if (registered) await step(target, "drain", () => drain(target, deps));
  else deps.log(`${node.name} is not a Kubernetes node: nothing to drain`);
  if (found !== undefined) await step(target, "etcd leave", () => leaveEtcd(target, found, deps));
  deps.log(`resetting ${node.name} (graceful)`);
  await step(target, "reset", () => deps.clients.talos.reset(node.address, true));
  if (registered) await step(target, "delete kubernetes node", () => deps.clients.kube.deleteNode(node.name));
  deps.log(`${node.name} removed from the cluster; its VM goes next`);
}
