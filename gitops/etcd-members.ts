/**
 * `talos-homelab etcd remove-member`: removes a lost control plane's etcd member (`EtcdRemoveMemberByID`), asked of a
 * healthy control plane, so a replacement can join and the member list stops counting a node that is gone.
 */
import { resolve } from "node:path";
import type { ClientTlsMaterial } from "../talos/api/credentials";
import { TalosApiError } from "../talos/api/errors";
import type { EtcdMember, EtcdMemberListResponse, EtcdStatusResponse } from "../talos/api/messages";
import { adminTalosconfigOf, clusterInTree } from "./etcd-admin-talosconfig";

/** What removing a member needs of a Talos API client (TalosClient has these methods). */
export interface EtcdMembersClient {
  etcdMemberList(queryLocal?: boolean): Promise<EtcdMemberListResponse>;
  etcdStatus(): Promise<EtcdStatusResponse>;
  etcdRemoveMemberById(memberId: string): Promise<void>;
  close(): void;
}

export type ConnectMembersClient = (options: { endpoint: string; node?: string; tls: ClientTlsMaterial }) => EtcdMembersClient;

export interface RemoveMemberRequest {
  /** The lost member: its hostname (the node's name) or its ID as the member list shows it. */
  readonly member: string;
  readonly treeDir: string;
  readonly cluster?: string;
  /** The healthy control plane to ask; default: the talosconfig's endpoints, first that answers. */
  readonly node?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly connect: ConnectMembersClient;
  readonly log?: (line: string) => void;
}

export interface RemoveMemberResult {
  readonly removed: EtcdMember;
  /** The control plane that removed it. */
  readonly via: string;
  /** The members left. */
  readonly remaining: readonly string[];
}

function describeMembers(members: readonly EtcdMember[]): string {
  return members.map((m) => `${m.hostname} (${m.id})`).join(", ") || "none";
}

/** The member to remove, checked against what removal may not do. */
function memberToRemove(members: readonly EtcdMember[], wanted: string, via: string): EtcdMember {
  const found = members.find((m) => m.hostname === wanted || m.id === wanted);
  if (found === undefined) throw new Error(`etcd has no member "${wanted}" (members, asked of ${via}: ${describeMembers(members)}): give a hostname or an ID from that list`);
  if (members.length === 1) throw new Error(`"${wanted}" is etcd's only member: removing it would leave no etcd; recover from a snapshot instead (docs/operations.md)`);
  return found;
}

/** Asks each candidate control plane in turn for the member list, and removes the member through the first that answers. */
export async function removeEtcdMember(request: RemoveMemberRequest): Promise<RemoveMemberResult> {
  const treeDir = resolve(request.treeDir);
  const cluster = await clusterInTree(treeDir, request.cluster);
  const { context } = await adminTalosconfigOf(treeDir, cluster, request.env);
  const candidates = request.node !== undefined ? [request.node] : context.endpoints;
  const failures: string[] = [];
  for (const node of candidates) {
    const client = request.connect({ endpoint: node, tls: context });
    try {
      const members = (await client.etcdMemberList()).messages.flatMap((m) => m.members);
      const removed = memberToRemove(members, request.member, node);
      const self = (await client.etcdStatus()).messages[0]?.memberStatus?.memberId;
      if (self === removed.id) {
        throw new Error(`node ${node} is the member "${request.member}" itself: ask another control plane with --node`);
      }
      await client.etcdRemoveMemberById(removed.id);
      return { removed, via: node, remaining: members.filter((m) => m.id !== removed.id).map((m) => m.hostname) };
    } catch (err) {
      if (!(err instanceof TalosApiError)) throw err; // our own refusals are the answer, not a node failing
      failures.push(err.message);
      if (candidates.length > 1) request.log?.(`asking ${node} failed: ${err.message}`);
    } finally {
      client.close();
    }
  }
  throw new Error(failures.length === 1 ? (failures[0] as string) : `no control plane answered:\n  - ${failures.join("\n  - ")}`);
}
