import { randomBytes } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { TalosClient } from "../../talos/api/client";
import { TalosApiError } from "../../talos/api/errors";
import type { CertAndKey } from "../../talos/types";
import { type FakeApid, type Reply, startFakeApid } from "./helpers/fake-apid";
import { issueClientCertificate, issueLoopbackServerCertificate, makeTalosCa } from "./helpers/pki";

// The day-2 calls of TalosClient (etcd status/leave/remove, reset, snapshot, recover) on the wire: the
// request each sends, how each reply decodes and how a failure surfaces. Against a scripted grpc-js server;
// test/compat/talos-day2.compat.test.ts drives the same calls against Talos's generated server.

let ca: CertAndKey;
let serverCert: CertAndKey;
let admin: CertAndKey;
const servers: FakeApid[] = [];
const clients: TalosClient[] = [];

beforeAll(async () => {
  ca = await makeTalosCa();
  serverCert = issueLoopbackServerCertificate(ca);
  admin = await issueClientCertificate(ca);
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of servers.splice(0)) await server.close();
});

async function apid(script: Record<string, Reply[]>): Promise<{ server: FakeApid; client: TalosClient }> {
  const server = await startFakeApid({ serverCert, clientCa: ca.crt, script });
  servers.push(server);
  const client = TalosClient.configured({ endpoint: server.address, tls: { ca: ca.crt, ...admin }, callTimeoutMs: 5_000 });
  clients.push(client);
  return { server, client };
}

const ok: Reply = { response: { messages: [{}] } };

describe("etcd membership calls", () => {
  it("etcdStatus decodes the member status with 64-bit IDs as decimal strings", async () => {
    const { client } = await apid({
      EtcdStatus: [
        {
          response: {
            messages: [{ memberStatus: { memberId: "18446744073709551615", leader: "42", raftIndex: "7", isLearner: false, dbSize: "4096" } }],
          },
        },
      ],
    });
    const status = (await client.etcdStatus()).messages[0].memberStatus;
    expect(status).toMatchObject({ memberId: "18446744073709551615", leader: "42", raftIndex: "7", isLearner: false, dbSize: "4096", errors: [] });
  });

  it("etcdLeaveCluster sends an empty request and resolves", async () => {
    const { server, client } = await apid({ EtcdLeaveCluster: [ok] });
    await expect(client.etcdLeaveCluster()).resolves.toBeUndefined();
    expect(server.calls.map((c) => c.method)).toEqual(["EtcdLeaveCluster"]);
  });

  it("etcdLeaveCluster surfaces Talos's refusal with the node and code", async () => {
    const { client } = await apid({
      EtcdLeaveCluster: [{ error: { code: status.UNKNOWN, details: "failed to leave etcd cluster: etcd cluster is unhealthy" } }],
    });
    await expect(client.etcdLeaveCluster()).rejects.toThrow(/EtcdLeaveCluster on node 127\.0\.0\.1:\d+ failed: UNKNOWN: failed to leave etcd cluster/);
  });

  it("etcdRemoveMemberById sends the full uint64 member ID", async () => {
    const { server, client } = await apid({ EtcdRemoveMemberByID: [ok] });
    await client.etcdRemoveMemberById("12345678901234567890");
    expect(server.calls[0]).toMatchObject({ method: "EtcdRemoveMemberByID", request: { memberId: "12345678901234567890" } });
  });

  it.each(["0", "", "-1", "abc", "18446744073709551616", "0x10"])("etcdRemoveMemberById refuses %j before calling", async (id) => {
    const { server, client } = await apid({ EtcdRemoveMemberByID: [ok] });
    await expect(client.etcdRemoveMemberById(id)).rejects.toThrow(/member ID .* is not a non-zero unsigned 64-bit decimal number/);
    expect(server.calls).toHaveLength(0);
  });

  it("a per-node error in the reply metadata fails the call", async () => {
    const { client } = await apid({
      EtcdRemoveMemberByID: [{ response: { messages: [{ metadata: { hostname: "cp-2", error: "member not found", status: { code: 5 } } }] } }],
    });
    const failure = await client.etcdRemoveMemberById("7").catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TalosApiError);
    expect((failure as TalosApiError).code).toBe(status.NOT_FOUND);
    expect((failure as TalosApiError).message).toMatch(/node cp-2 .*member not found/);
  });
});

describe("reset", () => {
  it("sends graceful/reboot, mode ALL by default and labels as wipe specs", async () => {
    const { server, client } = await apid({ Reset: [{ response: { messages: [{ actorId: "a1" }] } }] });
    await client.reset({ graceful: true, reboot: true, systemPartitionsToWipe: ["EPHEMERAL", { label: "STATE", wipe: true }] });
    expect(server.calls[0].request).toEqual({
      graceful: true,
      reboot: true,
      mode: "ALL",
      systemPartitionsToWipe: [
        { label: "EPHEMERAL", wipe: true },
        { label: "STATE", wipe: true },
      ],
      userDisksToWipe: [],
    });
  });

  it("sends an explicit mode and a non-graceful halt", async () => {
    const { server, client } = await apid({ Reset: [ok] });
    await client.reset({ graceful: false, reboot: false, mode: "SYSTEM_DISK" });
    expect(server.calls[0].request).toMatchObject({ graceful: false, reboot: false, mode: "SYSTEM_DISK", systemPartitionsToWipe: [] });
  });
});

describe("etcd snapshot and recover", () => {
  it("etcdSnapshot concatenates every streamed chunk in order", async () => {
    const parts = [randomBytes(1000), randomBytes(1), randomBytes(70_000)];
    const { client } = await apid({ EtcdSnapshot: [{ chunks: parts }] });
    expect((await client.etcdSnapshot()).equals(Buffer.concat(parts))).toBe(true);
  });

  it("etcdSnapshot fails with the stream's error", async () => {
    const { client } = await apid({ EtcdSnapshot: [{ error: { code: status.FAILED_PRECONDITION, details: "etcd is not running" } }] });
    await expect(client.etcdSnapshot()).rejects.toThrow(/EtcdSnapshot .* FAILED_PRECONDITION: etcd is not running/);
  });

  it("etcdRecover uploads the snapshot in chunks that reassemble to the same bytes", async () => {
    const snapshot = randomBytes(2.5 * 1024 * 1024);
    const { server, client } = await apid({ EtcdRecover: [ok] });
    await client.etcdRecover(snapshot);
    const messages = server.calls[0].request.messages as { bytes: Buffer }[];
    expect(messages.length).toBe(3);
    expect(Buffer.concat(messages.map((m) => m.bytes)).equals(snapshot)).toBe(true);
  });

  it("etcdRecover surfaces the server's refusal", async () => {
    const { client } = await apid({ EtcdRecover: [{ error: { code: status.UNKNOWN, details: "etcd data directory is not empty" } }] });
    await expect(client.etcdRecover(Buffer.from("db"))).rejects.toThrow(/EtcdRecover .* UNKNOWN: etcd data directory is not empty/);
  });
});
