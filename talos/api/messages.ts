/**
 * TypeScript shapes of the Talos API messages we use, as @grpc/proto-loader decodes them with our
 * loader options (camelCase fields, enums as names, 64-bit integers as decimal strings, bytes as Buffer).
 */

/** `machine.ApplyConfigurationRequest.Mode` (the maintenance service accepts REBOOT, AUTO and TRY only). */
export type ApplyMode = "REBOOT" | "AUTO" | "NO_REBOOT" | "STAGED" | "TRY";

export interface RpcStatus {
  code: number;
  message: string;
}

/** `common.Metadata`: set on each reply message when apid proxies to several nodes. */
export interface ReplyMetadata {
  hostname: string;
  error: string;
  status: RpcStatus | null;
}

export interface Duration {
  seconds: string;
  nanos: number;
}

export interface ApplyConfigurationRequest {
  data: Buffer;
  mode: ApplyMode;
  dryRun: boolean;
  tryModeTimeout: Duration | null;
}

export interface ApplyConfigurationReply {
  metadata: ReplyMetadata | null;
  warnings: string[];
  mode: ApplyMode;
  modeDetails: string;
}

export interface ApplyConfigurationResponse {
  messages: ApplyConfigurationReply[];
}

export interface BootstrapRequest {
  recoverEtcd: boolean;
  recoverSkipHashCheck: boolean;
}

export interface BootstrapResponse {
  messages: { metadata: ReplyMetadata | null }[];
}

export interface EtcdMemberListRequest {
  queryLocal: boolean;
}

export interface EtcdMember {
  id: string;
  hostname: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

export interface EtcdMemberListResponse {
  messages: { metadata: ReplyMetadata | null; legacyMembers: string[]; members: EtcdMember[] }[];
}

export type UpgradeRebootMode = "DEFAULT" | "POWERCYCLE";

export interface UpgradeRequest {
  image: string;
  preserve: boolean;
  stage: boolean;
  force: boolean;
  rebootMode: UpgradeRebootMode;
}

export interface UpgradeResponse {
  messages: { metadata: ReplyMetadata | null; ack: string; actorId: string }[];
}

export interface VersionInfo {
  tag: string;
  sha: string;
  built: string;
  goVersion: string;
  os: string;
  arch: string;
}

export interface VersionResponse {
  messages: {
    metadata: ReplyMetadata | null;
    version: VersionInfo | null;
    platform: { name: string; mode: string } | null;
    features: { rbac: boolean } | null;
  }[];
}

/** `common.Data`: one chunk of a streamed reply (Kubeconfig streams a tar.gz). */
export interface DataChunk {
  metadata: ReplyMetadata | null;
  bytes: Buffer;
}

/** `cosi.resource.Resource` (metadata trimmed to what we read). */
export interface CosiResource {
  metadata: { namespace: string; type: string; id: string; version: string; phase: string } | null;
  spec: { protoSpec: Buffer; yamlSpec: string } | null;
}

export interface CosiGetRequest {
  namespace: string;
  type: string;
  id: string;
}

export interface CosiListRequest {
  namespace: string;
  type: string;
}

/** `machine.EtcdMemberStatus`: what EtcdStatus reports for the node's own etcd member. */
export interface EtcdMemberStatus {
  storageVersion: string;
  memberId: string;
  protocolVersion: string;
  dbSize: string;
  dbSizeInUse: string;
  /** The leader's member ID ("0" when the member sees no leader). */
  leader: string;
  raftIndex: string;
  raftTerm: string;
  raftAppliedIndex: string;
  errors: string[];
  isLearner: boolean;
}

export interface EtcdStatusResponse {
  messages: { metadata: ReplyMetadata | null; memberStatus: EtcdMemberStatus | null }[];
}

export interface EtcdRemoveMemberByIdRequest {
  /** uint64 as a decimal string. */
  memberId: string;
}

/** Replies of calls that carry nothing but the per-node metadata (EtcdLeaveCluster, EtcdRemoveMemberByID, EtcdRecover). */
export interface MetadataOnlyResponse {
  messages: { metadata: ReplyMetadata | null }[];
}

/** `machine.ResetRequest.WipeMode`. */
export type ResetWipeMode = "ALL" | "SYSTEM_DISK" | "USER_DISKS";

/** `machine.ResetPartitionSpec`: one system-disk partition (by label, e.g. "EPHEMERAL", "STATE") to wipe. */
export interface ResetPartitionSpec {
  label: string;
  wipe: boolean;
}

export interface ResetRequest {
  /** Leave etcd first (with etcd's health checks) and shut services down cleanly. */
  graceful: boolean;
  /** Reboot after the reset instead of powering off. */
  reboot: boolean;
  systemPartitionsToWipe: ResetPartitionSpec[];
  userDisksToWipe: string[];
  mode: ResetWipeMode;
}

export interface ResetResponse {
  messages: { metadata: ReplyMetadata | null; actorId: string }[];
}
