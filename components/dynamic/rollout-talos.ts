/** The roll-out's Talos API calls over real clients (mutual TLS from the admin talosconfig), one connection per call. */
import { TalosClient } from "../../talos/api/client";
import type { ClientTlsMaterial } from "../../talos/api/credentials";
import type { RolloutTalos } from "./rollout-api";

const CALL_TIMEOUT_MS = 15_000;

function clientHost(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, "") || undefined;
  } catch {
    return undefined;
  }
}

export function liveRolloutTalos(tls: ClientTlsMaterial): RolloutTalos {
  const withClient = async <T>(address: string, call: (client: TalosClient) => Promise<T>): Promise<T> => {
    const client = TalosClient.configured({ endpoint: address, tls, callTimeoutMs: CALL_TIMEOUT_MS });
    try {
      return await call(client);
    } finally {
      client.close();
    }
  };
  return {
    version: (address) =>
      withClient(address, async (c) => {
        const tag = (await c.version()).messages[0]?.version?.tag;
        if (tag === undefined || tag === "") throw new Error(`Talos API Version on node ${address} returned no version tag`);
        return tag;
      }),
    etcdMembers: (address) =>
      withClient(address, async (c) =>
        (await c.etcdMemberList()).messages.flatMap((m) =>
          m.members.map((member) => {
            const host = clientHost(member.clientUrls[0]);
            return { id: member.id, hostname: member.hostname, ...(host !== undefined ? { clientHost: host } : {}) };
          }),
        ),
      ),
    etcdErrors: (address) =>
      withClient(address, async (c) => {
        const statuses = (await c.etcdStatus()).messages.map((m) => m.memberStatus);
        if (statuses.length === 0 || statuses.some((s) => s === null)) return ["EtcdStatus returned no member status"];
        return statuses.flatMap((s) => [...(s?.errors ?? []), ...(s?.leader === "0" ? ["the member sees no leader"] : [])]);
      }),
    upgrade: (address, image) => withClient(address, async (c) => void (await c.upgrade({ image, preserve: true }))),
    etcdLeave: (address) => withClient(address, (c) => c.etcdLeaveCluster()),
    etcdRemoveMember: (address, memberId) => withClient(address, (c) => c.etcdRemoveMemberById(memberId)),
    reset: (address, graceful) => withClient(address, (c) => c.reset({ graceful, reboot: false })),
  };
}
