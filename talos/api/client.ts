import {
  type CallOptions,
  type ChannelCredentials,
  type Client,
  type ClientReadableStream,
  type ClientWritableStream,
  Metadata,
  type ServiceError,
} from "@grpc/grpc-js";
import { talosTarget } from "./address";
import { type ClientTlsMaterial, maintenanceCredentials, mutualTlsCredentials } from "./credentials";
import { type CallTarget, TalosApiError, describeTarget, toTalosApiError } from "./errors";
import { extractKubeconfig } from "./kubeconfig-archive";
import type {
  ApplyConfigurationResponse,
  ApplyMode,
  BootstrapRequest,
  BootstrapResponse,
  CosiResource,
  DataChunk,
  EtcdMemberListResponse,
  EtcdStatusResponse,
  MetadataOnlyResponse,
  ReplyMetadata,
  ResetPartitionSpec,
  ResetResponse,
  ResetWipeMode,
  UpgradeRequest,
  UpgradeResponse,
  VersionResponse,
} from "./messages";
import { talosServices } from "./services";

/** Talos's maximum gRPC message size (32 MiB). */
const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
const DEFAULT_CALL_TIMEOUT_MS = 30_000;

export interface TalosClientOptions {
  /** The address dialled: `host`, `host:port` (port 50000 when omitted). */
  readonly endpoint: string;
  /** The node to act on, proxied through the endpoint with `node` metadata; omitted = the endpoint itself. */
  readonly node?: string;
  readonly credentials: ChannelCredentials;
  /** Per-call deadline. */
  readonly callTimeoutMs?: number;
}

export interface ApplyOptions {
  readonly mode?: ApplyMode;
  readonly dryRun?: boolean;
  readonly tryModeTimeoutSeconds?: number;
}

type UnaryMethod = (
  request: object,
  metadata: Metadata,
  options: CallOptions,
  callback: (err: ServiceError | null, response?: unknown) => void,
) => unknown;

type ClientStreamMethod = (
  metadata: Metadata,
  options: CallOptions,
  callback: (err: ServiceError | null, response?: unknown) => void,
) => ClientWritableStream<unknown>;

type StreamMethod = (request: object, metadata: Metadata, options: CallOptions) => ClientReadableStream<unknown>;

export interface ResetOptions {
  /** Leave etcd first (a control plane) and stop services cleanly; false wipes without asking etcd. */
  readonly graceful: boolean;
  /** Reboot after wiping (back to maintenance mode); false powers the node off. */
  readonly reboot: boolean;
  /** Which devices to wipe (Talos's default: ALL). */
  readonly mode?: ResetWipeMode;
  /** Only these system-disk partitions (labels such as "EPHEMERAL", "STATE", or full specs); empty = all. */
  readonly systemPartitionsToWipe?: readonly (string | ResetPartitionSpec)[];
  /** User disks (device paths) to wipe, with mode USER_DISKS or ALL. */
  readonly userDisksToWipe?: readonly string[];
}

/** Chunk size of an EtcdRecover upload (well under Talos's 32 MiB message limit). */
const UPLOAD_CHUNK_BYTES = 1024 * 1024;

/** A client for one Talos node's API (`machine.MachineService` and `cosi.resource.State`). */
export class TalosClient {
  readonly target: CallTarget;
  private readonly machine: Client;
  private readonly state: Client;
  private readonly callTimeoutMs: number;

  constructor(options: TalosClientOptions) {
    const address = talosTarget(options.endpoint);
    this.target = { endpoint: options.endpoint, node: options.node };
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    const services = talosServices();
    const channelOptions = {
      "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
      "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
    };
    this.machine = new services.machineService(address, options.credentials, channelOptions);
    this.state = new services.cosiState(address, options.credentials, channelOptions);
  }

  /** A node in maintenance mode: TLS without verification (optionally pinned), dialled directly. */
  static maintenance(node: string, options: { fingerprint?: string; callTimeoutMs?: number } = {}): TalosClient {
    return new TalosClient({
      endpoint: node,
      credentials: maintenanceCredentials(options.fingerprint),
      callTimeoutMs: options.callTimeoutMs,
    });
  }

  /** A configured node: mutual TLS with the talosconfig's CA and client certificate. */
  static configured(options: {
    endpoint: string;
    node?: string;
    tls: ClientTlsMaterial;
    callTimeoutMs?: number;
  }): TalosClient {
    return new TalosClient({
      endpoint: options.endpoint,
      node: options.node,
      credentials: mutualTlsCredentials(options.tls),
      callTimeoutMs: options.callTimeoutMs,
    });
  }

  close(): void {
    this.machine.close();
    this.state.close();
  }

  async applyConfiguration(config: string | Buffer, options: ApplyOptions = {}): Promise<ApplyConfigurationResponse> {
    const request = {
      data: Buffer.from(config),
      mode: options.mode ?? "AUTO",
      dryRun: options.dryRun ?? false,
      tryModeTimeout:
        options.tryModeTimeoutSeconds === undefined ? null : { seconds: String(options.tryModeTimeoutSeconds), nanos: 0 },
    };
    const response = await this.unary<ApplyConfigurationResponse>(this.machine, "ApplyConfiguration", request);
    this.checkReplies("ApplyConfiguration", response.messages);
    return response;
  }

  async bootstrap(request: Partial<BootstrapRequest> = {}): Promise<BootstrapResponse> {
    const response = await this.unary<BootstrapResponse>(this.machine, "Bootstrap", {
      recoverEtcd: request.recoverEtcd ?? false,
      recoverSkipHashCheck: request.recoverSkipHashCheck ?? false,
    });
    this.checkReplies("Bootstrap", response.messages);
    return response;
  }

  async version(): Promise<VersionResponse> {
    const response = await this.unary<VersionResponse>(this.machine, "Version", {});
    this.checkReplies("Version", response.messages);
    return response;
  }

  async etcdMemberList(queryLocal = false): Promise<EtcdMemberListResponse> {
    const response = await this.unary<EtcdMemberListResponse>(this.machine, "EtcdMemberList", { queryLocal });
    this.checkReplies("EtcdMemberList", response.messages);
    return response;
  }

  async upgrade(request: Pick<UpgradeRequest, "image"> & Partial<UpgradeRequest>): Promise<UpgradeResponse> {
    const response = await this.unary<UpgradeResponse>(this.machine, "Upgrade", {
      image: request.image,
      preserve: request.preserve ?? false,
      stage: request.stage ?? false,
      force: request.force ?? false,
      rebootMode: request.rebootMode ?? "DEFAULT",
    });
    this.checkReplies("Upgrade", response.messages);
    return response;
  }

  /** The node's own etcd member status (member ID, leader ID, raft indexes, learner flag, errors). */
  async etcdStatus(): Promise<EtcdStatusResponse> {
    const response = await this.unary<EtcdStatusResponse>(this.machine, "EtcdStatus", {});
    this.checkReplies("EtcdStatus", response.messages);
    return response;
  }

  /** Makes this node (a control plane) leave etcd: Talos checks the cluster's health first and removes its member. */
  async etcdLeaveCluster(): Promise<void> {
    const response = await this.unary<MetadataOnlyResponse>(this.machine, "EtcdLeaveCluster", {});
    this.checkReplies("EtcdLeaveCluster", response.messages);
  }

  /** Removes an etcd member by its ID (decimal string, as EtcdMemberList reports it), e.g. of a node that is gone. */
  async etcdRemoveMemberById(memberId: string): Promise<void> {
    if (!/^[1-9][0-9]{0,19}$/.test(memberId) || BigInt(memberId) > 0xffffffffffffffffn) {
      throw new Error(`etcdRemoveMemberById: member ID "${memberId}" is not a non-zero unsigned 64-bit decimal number (take it from etcdMemberList())`);
    }
    const response = await this.unary<MetadataOnlyResponse>(this.machine, "EtcdRemoveMemberByID", { memberId });
    this.checkReplies("EtcdRemoveMemberByID", response.messages);
  }

  /** Wipes the node (Reset): it returns to maintenance mode when `reboot`, or powers off. */
  async reset(options: ResetOptions): Promise<void> {
    const response = await this.unary<ResetResponse>(this.machine, "Reset", {
      graceful: options.graceful,
      reboot: options.reboot,
      mode: options.mode ?? "ALL",
      systemPartitionsToWipe: (options.systemPartitionsToWipe ?? []).map((spec) =>
        typeof spec === "string" ? { label: spec, wipe: true } : spec,
      ),
      userDisksToWipe: options.userDisksToWipe ?? [],
    });
    this.checkReplies("Reset", response.messages);
  }

  /** An etcd snapshot (the bbolt db file) taken by the node's etcd member, as streamed. */
  async etcdSnapshot(): Promise<Buffer> {
    const chunks = await this.serverStream<DataChunk>(this.machine, "EtcdSnapshot", {});
    this.checkReplies("EtcdSnapshot", chunks);
    return Buffer.concat(chunks.map((chunk) => chunk.bytes));
  }

  /** Uploads an etcd snapshot to a node before `bootstrap({ recoverEtcd: true })` restores etcd from it. */
  async etcdRecover(snapshot: Buffer): Promise<void> {
    const response = await this.clientStream<MetadataOnlyResponse>(
      this.machine,
      "EtcdRecover",
      chunksOf(snapshot, UPLOAD_CHUNK_BYTES).map((bytes) => ({ bytes })),
    );
    this.checkReplies("EtcdRecover", response.messages);
  }

  /** The raw tar.gz the node streams. */
  async kubeconfigArchive(): Promise<Buffer> {
    const chunks = await this.serverStream<DataChunk>(this.machine, "Kubeconfig", {});
    this.checkReplies("Kubeconfig", chunks);
    return Buffer.concat(chunks.map((chunk) => chunk.bytes));
  }

  /** The admin kubeconfig the node generates (needs os:admin and a control-plane node). */
  async kubeconfig(): Promise<string> {
    return extractKubeconfig(await this.kubeconfigArchive());
  }

  async getResource(namespace: string, type: string, id: string): Promise<CosiResource> {
    const response = await this.unary<{ resource: CosiResource | null }>(this.state, "Get", { namespace, type, id });
    if (response.resource === null) {
      throw new Error(`Talos API Get ${namespace}/${type}/${id} on ${describeTarget(this.target)} returned no resource`);
    }
    return response.resource;
  }

  async listResources(namespace: string, type: string): Promise<CosiResource[]> {
    const replies = await this.serverStream<{ resource: CosiResource | null }>(this.state, "List", { namespace, type });
    return replies.flatMap((reply) => (reply.resource === null ? [] : [reply.resource]));
  }

  private metadata(): Metadata {
    const metadata = new Metadata();
    if (this.target.node !== undefined) metadata.set("node", this.target.node);
    return metadata;
  }

  private unary<T>(client: Client, method: string, request: object): Promise<T> {
    const call = (client as unknown as Record<string, UnaryMethod>)[method].bind(client);
    return new Promise<T>((resolve, reject) => {
      call(request, this.metadata(), { deadline: Date.now() + this.callTimeoutMs }, (err, response) => {
        if (err !== null) reject(toTalosApiError(err, method, this.target));
        else resolve(response as T);
      });
    });
  }

  private serverStream<T>(client: Client, method: string, request: object): Promise<T[]> {
    const call = (client as unknown as Record<string, StreamMethod>)[method].bind(client);
    return new Promise<T[]>((resolve, reject) => {
      const replies: T[] = [];
      const stream = call(request, this.metadata(), { deadline: Date.now() + this.callTimeoutMs });
      stream.on("data", (reply: T) => replies.push(reply));
      stream.on("error", (err: unknown) => reject(toTalosApiError(err, method, this.target)));
      stream.on("end", () => resolve(replies));
    });
  }

  private clientStream<T>(client: Client, method: string, requests: readonly object[]): Promise<T> {
    const call = (client as unknown as Record<string, ClientStreamMethod>)[method].bind(client);
    return new Promise<T>((resolve, reject) => {
      const stream = call(this.metadata(), { deadline: Date.now() + this.callTimeoutMs }, (err, response) => {
        if (err !== null) reject(toTalosApiError(err, method, this.target));
        else resolve(response as T);
      });
      for (const request of requests) stream.write(request);
      stream.end();
    });
  }

  /** A proxied reply may carry a per-node failure in its metadata while the call itself succeeded. */
  private checkReplies(method: string, messages: readonly { metadata: ReplyMetadata | null }[]): void {
    for (const message of messages) {
      const error = message.metadata?.error;
      if (error) {
        const code = message.metadata?.status?.code ?? 2;
        throw new TalosApiError(method, { ...this.target, node: message.metadata?.hostname || this.target.node }, code, error);
      }
    }
  }
}

function chunksOf(data: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += size) chunks.push(data.subarray(offset, offset + size));
  return chunks;
}
