import { X509Certificate } from "node:crypto";
import { gzipSync } from "node:zlib";
import { status } from "@grpc/grpc-js";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { TalosClient } from "../../talos/api/client";
import { TalosApiError } from "../../talos/api/errors";
import { applyFirstConfiguration, bootstrapOnce, nodeClients } from "../../talos/api/operations";
import type { CertAndKey } from "../../talos/types";
import { type FakeApid, startFakeApid } from "./helpers/fake-apid";
import { issueClientCertificate, issueLoopbackServerCertificate, makeTalosCa } from "./helpers/pki";

let ca: CertAndKey;
let serverCert: CertAndKey;
let admin: CertAndKey;
const servers: FakeApid[] = [];
const clients: TalosClient[] = [];
const instantRetry = { timeoutMs: 5_000, initialDelayMs: 1, maxDelayMs: 1 };

beforeAll(async () => {
  ca = await makeTalosCa();
  serverCert = issueLoopbackServerCertificate(ca);
  admin = await issueClientCertificate(ca);
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of servers.splice(0)) await server.close();
});

async function apid(script: Parameters<typeof startFakeApid>[0]["script"], mutual = true): Promise<FakeApid> {
  const server = await startFakeApid({ serverCert, clientCa: mutual ? ca.crt : undefined, script });
  servers.push(server);
  return server;
}

function configured(address: string, node?: string): TalosClient {
  const client = TalosClient.configured({ endpoint: address, node, tls: { ca: ca.crt, ...admin }, callTimeoutMs: 5_000 });
  clients.push(client);
  return client;
}

describe("TalosClient over mutual TLS", () => {
  it("sends ApplyConfiguration with the config bytes and mode AUTO, and the node metadata when proxying", async () => {
    const server = await apid({ ApplyConfiguration: [{ response: { messages: [{ mode: "NO_REBOOT", warnings: ["w1"] }] } }] });
    expect(admin.key).toContain("BEGIN ED25519 PRIVATE KEY");
    const response = await configured(server.address, "10.0.0.12").applyConfiguration("version: v1alpha1\n");
    expect(response.messages[0]).toMatchObject({ mode: "NO_REBOOT", warnings: ["w1"] });
    expect(server.calls).toHaveLength(1);
    const [call] = server.calls;
    expect(call.node).toEqual(["10.0.0.12"]);
    expect(Buffer.from(call.request.data as Buffer).toString()).toBe("version: v1alpha1\n");
    expect(call.request).toMatchObject({ mode: "AUTO", dryRun: false, tryModeTimeout: null });
  });

  it("sends no node metadata when talking to the endpoint itself", async () => {
    const server = await apid({ Version: [{ response: { messages: [{ version: { tag: "v1.11.5" } }] } }] });
    const response = await configured(server.address).version();
    expect(response.messages[0].version?.tag).toBe("v1.11.5");
    expect(server.calls[0].node).toEqual([]);
  });

  it("reports InvalidArgument as final, with Talos's message and the node", async () => {
    const server = await apid({ ApplyConfiguration: [{ error: { code: status.INVALID_ARGUMENT, details: "unknown keys found during decoding" } }] });
    const failure = await bootstrapSafe(() => configured(server.address).applyConfiguration("x: 1\n"));
    expect(failure).toBeInstanceOf(TalosApiError);
    expect((failure as TalosApiError).message).toMatch(
      /ApplyConfiguration on node 127\.0\.0\.1:\d+ failed: INVALID_ARGUMENT: unknown keys found during decoding/,
    );
  });

  it("bootstrap retries FailedPrecondition, then succeeds", async () => {
    const server = await apid({
      Bootstrap: [
        { error: { code: status.FAILED_PRECONDITION, details: "bootstrap is not available yet" } },
        { error: { code: status.FAILED_PRECONDITION, details: "time is not in sync yet" } },
        { response: { messages: [{}] } },
      ],
    });
    const progress: string[] = [];
    await expect(bootstrapOnce(configured(server.address), instantRetry, (m) => progress.push(m))).resolves.toBe("bootstrapped");
    expect(server.calls.map((c) => c.method)).toEqual(["Bootstrap", "Bootstrap", "Bootstrap"]);
    expect(progress[0]).toMatch(/bootstrap: attempt 1 failed .*bootstrap is not available yet/);
  });

  it("bootstrap treats AlreadyExists as done", async () => {
    const server = await apid({ Bootstrap: [{ error: { code: status.ALREADY_EXISTS, details: "etcd data directory is not empty" } }] });
    await expect(bootstrapOnce(configured(server.address), instantRetry)).resolves.toBe("already-bootstrapped");
    expect(server.calls).toHaveLength(1);
  });

  it("bootstrap does not retry a FailedPrecondition that will not clear (a worker)", async () => {
    const server = await apid({ Bootstrap: [{ error: { code: status.FAILED_PRECONDITION, details: "bootstrap is only supported on control plane nodes" } }] });
    await expect(bootstrapOnce(configured(server.address), instantRetry)).rejects.toThrow(/FAILED_PRECONDITION: bootstrap is only supported/);
    expect(server.calls).toHaveLength(1);
  });

  it("refuses a server whose certificate does not chain to the talosconfig CA", async () => {
    const server = await apid({ Version: [{ response: { messages: [] } }] });
    const other = await makeTalosCa();
    const client = TalosClient.configured({ endpoint: server.address, tls: { ca: other.crt, ...admin }, callTimeoutMs: 5_000 });
    clients.push(client);
    await expect(client.version()).rejects.toThrow(/does not chain to the talosconfig's CA/);
    expect(server.calls).toHaveLength(0);
  });

  it("streams Kubeconfig and extracts the file from a tar without end-of-archive blocks", async () => {
    const content = "apiVersion: v1\nkind: Config\n";
    const header = Buffer.alloc(512);
    header.write("kubeconfig", 0);
    header.write(content.length.toString(8).padStart(11, "0"), 124);
    const body = Buffer.alloc(512);
    body.write(content);
    const archive = gzipSync(Buffer.concat([header, body]));
    const server = await apid({ Kubeconfig: [{ chunks: [archive.subarray(0, 10), archive.subarray(10)] }] });
    await expect(configured(server.address).kubeconfig()).resolves.toBe(content);
  });
});

describe("maintenance mode", () => {
  it("connects without a client certificate and without verifying the self-signed certificate", async () => {
    const server = await apid({ ApplyConfiguration: [{ response: { messages: [{}] } }] }, false);
    const client = TalosClient.maintenance(server.address, { callTimeoutMs: 5_000 });
    clients.push(client);
    await client.applyConfiguration("cfg", { mode: "AUTO" });
    expect(server.calls[0].request).toMatchObject({ mode: "AUTO" });
  });

  it("with a pinned fingerprint, sends nothing to a node presenting another certificate", async () => {
    const server = await apid({ ApplyConfiguration: [{ response: { messages: [{}] } }] }, false);
    const wrong = "ab".repeat(32);
    const client = TalosClient.maintenance(server.address, { fingerprint: wrong, callTimeoutMs: 5_000 });
    clients.push(client);
    await expect(client.applyConfiguration("secret config")).rejects.toThrow(/fingerprint is [0-9a-f]{64}, expected abab/);
    expect(server.calls).toHaveLength(0);
  });

  it("with the right pinned fingerprint (colon form), applies", async () => {
    const server = await apid({ ApplyConfiguration: [{ response: { messages: [{}] } }] }, false);
    const fingerprint = new X509Certificate(serverCert.crt).fingerprint256;
    const client = TalosClient.maintenance(server.address, { fingerprint, callTimeoutMs: 5_000 });
    clients.push(client);
    await client.applyConfiguration("cfg");
    expect(server.calls).toHaveLength(1);
  });

  it("first apply falls back to mutual TLS when the node already demands a client certificate", async () => {
    const server = await apid({ ApplyConfiguration: [{ response: { messages: [{ mode: "NO_REBOOT" }] } }] }, true);
    const progress: string[] = [];
    const node = nodeClients(
      server.address,
      { tls: { ca: ca.crt, ...admin }, callTimeoutMs: 5_000 },
      { maintenance: (n, o) => TalosClient.maintenance(n, o), configured: (o) => TalosClient.configured(o) },
    );
    const result = await applyFirstConfiguration(node, "cfg", instantRetry, (m) => progress.push(m));
    expect(result.path).toBe("configured");
    expect(server.calls).toHaveLength(1);
    expect(progress.join("\n")).toMatch(/is not in maintenance mode \(it requires a client certificate\)/);
  });
});

async function bootstrapSafe(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
    return undefined;
  } catch (err) {
    return err;
  }
}
