import { type Metadata, type ServerReadableStream, Server, ServerCredentials, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData, status } from "@grpc/grpc-js";
import { talosServices } from "../../../talos/api/services";
import type { CertAndKey } from "../../../talos/types";

export interface RecordedCall {
  readonly method: string;
  readonly request: Record<string, unknown>;
  readonly node: string[];
}

export type Reply = { error: { code: status; details: string } } | { response: object } | { chunks: Buffer[] };

/** A local grpc-js server speaking our Talos protos, scripted per call; loopback only. */
export interface FakeApid {
  readonly address: string;
  readonly calls: RecordedCall[];
  close(): Promise<void>;
}

export interface FakeApidOptions {
  /** Server certificate and, for mutual TLS, the CA client certificates must chain to. */
  readonly serverCert: CertAndKey;
  readonly clientCa?: string;
  /** Replies per method, consumed in order; the last one repeats. */
  readonly script: Record<string, Reply[]>;
}

export async function startFakeApid(options: FakeApidOptions): Promise<FakeApid> {
  const calls: RecordedCall[] = [];
  const counters = new Map<string, number>();
  const next = (method: string): Reply => {
    const replies = options.script[method];
    if (replies === undefined || replies.length === 0) return { error: { code: status.UNIMPLEMENTED, details: `${method} not scripted` } };
    const index = counters.get(method) ?? 0;
    counters.set(method, index + 1);
    return replies[Math.min(index, replies.length - 1)];
  };
  const record = (method: string, request: object, metadata: Metadata) =>
    calls.push({ method, request: request as Record<string, unknown>, node: metadata.get("node").map(String) });

  const unary = (method: string) => (call: ServerUnaryCall<object, object>, callback: sendUnaryData<object>) => {
    record(method, call.request, call.metadata);
    const reply = next(method);
    if ("error" in reply) callback({ code: reply.error.code, details: reply.error.details });
    else if ("response" in reply) callback(null, reply.response);
    else callback({ code: status.INTERNAL, details: "stream reply scripted for a unary method" });
  };
  const stream = (method: string) => (call: ServerWritableStream<object, object>) => {
    record(method, call.request, call.metadata);
    const reply = next(method);
    if ("chunks" in reply) {
      for (const chunk of reply.chunks) call.write({ bytes: chunk });
      call.end();
    } else if ("error" in reply) call.emit("error", { code: reply.error.code, details: reply.error.details });
    else call.end();
  };

  /** A client-streaming call: every message received is recorded, as `{ messages: [...] }`, once the client ends. */
  const upload = (method: string) => (call: ServerReadableStream<object, object>, callback: sendUnaryData<object>) => {
    const messages: object[] = [];
    call.on("data", (message: object) => messages.push(message));
    call.on("end", () => {
      record(method, { messages }, call.metadata);
      const reply = next(method);
      if ("error" in reply) callback({ code: reply.error.code, details: reply.error.details });
      else if ("response" in reply) callback(null, reply.response);
      else callback({ code: status.INTERNAL, details: "stream reply scripted for a client-streaming method" });
    });
  };

  const services = talosServices();
  const server = new Server();
  server.addService(services.machineService.service, {
    ApplyConfiguration: unary("ApplyConfiguration"),
    Bootstrap: unary("Bootstrap"),
    Version: unary("Version"),
    EtcdMemberList: unary("EtcdMemberList"),
    Upgrade: unary("Upgrade"),
    Kubeconfig: stream("Kubeconfig"),
    EtcdStatus: unary("EtcdStatus"),
    EtcdLeaveCluster: unary("EtcdLeaveCluster"),
    EtcdRemoveMemberByID: unary("EtcdRemoveMemberByID"),
    Reset: unary("Reset"),
    EtcdSnapshot: stream("EtcdSnapshot"),
    EtcdRecover: upload("EtcdRecover"),
  });
  server.addService(services.cosiState.service, { Get: unary("Get"), List: stream("List") });

  const credentials = ServerCredentials.createSsl(
    options.clientCa === undefined ? null : Buffer.from(options.clientCa),
    [{ private_key: Buffer.from(options.serverCert.key), cert_chain: Buffer.from(options.serverCert.crt) }],
    options.clientCa !== undefined,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials, (err, bound) => (err === null ? resolve(bound) : reject(err))),
  );
  return {
    address: `127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
