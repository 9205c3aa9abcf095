import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { removeEtcdMember, type EtcdMembersClient } from "../../gitops/etcd-members";
import { TalosApiError } from "../../talos/api/errors";
import type { EtcdMember } from "../../talos/api/messages";
import { etcdTree, unavailable } from "./etcd-fixture";

const member = (hostname: string, id: string): EtcdMember => ({ id, hostname, peerUrls: [], clientUrls: [], isLearner: false });

/** Control planes answering with a member list and their own member ID (or failing), recording removals. */
function nodes(answers: Record<string, { members: EtcdMember[]; self: string } | Error>) {
  const removed: { via: string; id: string }[] = [];
  const connect = (options: { endpoint: string }): EtcdMembersClient => {
    const answer = answers[options.endpoint];
    const fail = async () => Promise.reject(answer);
    if (answer === undefined) throw new Error(`test: unexpected node ${options.endpoint}`);
    if (answer instanceof Error) return { etcdMemberList: fail, etcdStatus: fail, etcdRemoveMemberById: fail, close: () => undefined };
    return {
      etcdMemberList: async () => ({ messages: [{ metadata: null, legacyMembers: [], members: answer.members }] }),
      etcdStatus: async () => ({ messages: [{ metadata: null, memberStatus: { memberId: answer.self } as never }] }),
      etcdRemoveMemberById: async (id) => void removed.push({ via: options.endpoint, id }),
      close: () => undefined,
    };
  };
  return { connect, removed };
}

const three = [member("cp-1", "11"), member("cp-2", "22"), member("cp-3", "33")];

describe("talos-homelab etcd remove-member (removeEtcdMember)", () => {
  it("removes the lost member by hostname through the first control plane that answers", async () => {
    const tree = await etcdTree();
    const { connect, removed } = nodes({ "127.0.0.11": unavailable("127.0.0.11", "EtcdMemberList"), "127.0.0.12": { members: three, self: "22" } });
    const logged: string[] = [];
    const result = await removeEtcdMember({ member: "cp-1", treeDir: tree.dir, env: tree.env, connect, log: (l) => logged.push(l) });
    expect(result).toEqual({ removed: three[0], via: "127.0.0.12", remaining: ["cp-2", "cp-3"] });
    expect(removed).toEqual([{ via: "127.0.0.12", id: "11" }]);
    expect(logged).toEqual([expect.stringContaining("asking 127.0.0.11 failed: Talos API EtcdMemberList on node 127.0.0.11 failed: UNAVAILABLE")]);
  });

  it("an ID works too; the node's own member, an unknown member and the last member are refused without removing anything", async () => {
    const tree = await etcdTree();
    const ok = nodes({ "127.0.0.11": { members: three, self: "11" } });
    await expect(removeEtcdMember({ member: "33", treeDir: tree.dir, env: tree.env, connect: ok.connect })).resolves.toMatchObject({ removed: { hostname: "cp-3" } });
    const refusals = nodes({ "127.0.0.11": { members: three, self: "11" } });
    const run = (m: string) => removeEtcdMember({ member: m, node: "127.0.0.11", treeDir: tree.dir, env: tree.env, connect: refusals.connect });
    await expect(run("cp-1")).rejects.toThrow('node 127.0.0.11 is the member "cp-1" itself: ask another control plane with --node');
    await expect(run("cp-9")).rejects.toThrow('etcd has no member "cp-9" (members, asked of 127.0.0.11: cp-1 (11), cp-2 (22), cp-3 (33))');
    const alone = nodes({ "127.0.0.11": { members: [member("cp-1", "11")], self: "99" } });
    await expect(removeEtcdMember({ member: "cp-1", node: "127.0.0.11", treeDir: tree.dir, env: tree.env, connect: alone.connect })).rejects.toThrow(/etcd's only member/);
    expect([...refusals.removed, ...alone.removed]).toEqual([]);
  });

  it("when no control plane answers: each node's Talos message", async () => {
    const tree = await etcdTree();
    const noLeader = new TalosApiError("EtcdMemberList", { endpoint: "127.0.0.12" }, status.UNAVAILABLE, "etcdserver: no leader");
    const { connect } = nodes({ "127.0.0.11": unavailable("127.0.0.11", "EtcdMemberList"), "127.0.0.12": noLeader });
    await expect(removeEtcdMember({ member: "cp-3", treeDir: tree.dir, env: tree.env, connect })).rejects.toThrow(
      /no control plane answered:\n {2}- Talos API EtcdMemberList on node 127\.0\.0\.11 failed: UNAVAILABLE.*\n {2}- Talos API EtcdMemberList on node 127\.0\.0\.12 failed: UNAVAILABLE: etcdserver: no leader/,
    );
  });
});
