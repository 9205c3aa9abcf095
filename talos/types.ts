import type { Contract } from "./contract";

/** A certificate and its private key, both as PEM text (trailing newline included). */
export interface CertAndKey {
  readonly crt: string;
  readonly key: string;
}

/**
 * The Talos machine secrets (what `talosctl gen secrets` writes), held in memory with decoded PEM.
 * `secrets.yaml` stores each PEM base64-encoded; see talos/secrets-yaml.ts.
 */
export interface SecretsBundle {
  readonly cluster: { readonly id: string; readonly secret: string };
  readonly secrets: {
    readonly bootstrapToken: string;
    readonly secretboxEncryptionSecret?: string;
    readonly aescbcEncryptionSecret?: string;
  };
  readonly trustdInfo: { readonly token: string };
  readonly certs: {
    readonly etcd: CertAndKey;
    readonly k8s: CertAndKey;
    readonly k8sAggregator: CertAndKey;
    readonly k8sServiceAccount: { readonly key: string };
    readonly os: CertAndKey;
  };
}

export type NodeRole = "controlplane" | "worker";

/** How STATE and EPHEMERAL are encrypted: sealed to the TPM (default) or the weaker nodeID fallback. */
export type DiskEncryptionMode = "tpm" | "nodeid";

/** Cluster-wide inputs to machine config rendering (already validated). */
export interface ClusterSpec {
  readonly contract: Contract;
  readonly clusterName: string;
  /** Kubernetes version without the leading "v", e.g. "1.34.1". */
  readonly kubernetesVersion: string;
  /** The Layer-2 VIP shared by the control planes, e.g. "192.168.10.10". */
  readonly vip: string;
  /** `https://<vip>:6443` unless configured otherwise. */
  readonly endpoint: string;
  /** Extra SANs for the Talos API and the Kubernetes API server certificates. */
  readonly certSANs: readonly string[];
  readonly nameservers: readonly string[];
  /** The install disk, `/dev/sda` for VirtIO SCSI. */
  readonly installDisk: string;
  /** `factory.talos.dev/nocloud-installer[-secureboot]/<schematic>:<version>`. */
  readonly installerImage: string;
  readonly diskEncryption: DiskEncryptionMode;
  /** User patches (YAML text: strategic merge, or an RFC 6902 JSON patch list) for every node. */
  readonly patches: readonly string[];
  /** User patches per role, applied after the cluster patches. */
  readonly rolePatches: Readonly<Record<NodeRole, readonly string[]>>;
}

/** Per-node inputs to machine config rendering (already validated). */
export interface NodeSpec {
  readonly name: string;
  readonly role: NodeRole;
  /** IPv4 address with prefix length, e.g. "192.168.10.11/24". */
  readonly address: string;
  readonly gateway: string;
  /** MAC address of the node's NIC, lower case, when the user pinned one. */
  readonly mac?: string;
  /** User patches for this node, applied last. */
  readonly patches: readonly string[];
}
