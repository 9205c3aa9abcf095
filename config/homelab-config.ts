import type { Contract } from "../talos/contract";
import type { NodeRole } from "../talos/types";
import type { Ipv4Cidr } from "./ipv4";
import type { RuntimeSecretsConfig } from "./runtime-secrets";

export interface HomelabNode {
  readonly name: string;
  readonly role: NodeRole;
  readonly proxmoxNode: string;
  readonly vmId: number;
  readonly address: Ipv4Cidr;
  readonly gateway: string;
  /** Upper-case colon form, as Proxmox reports it. */
  readonly mac?: string;
  readonly cores: number;
  readonly memoryMiB: number;
  readonly diskSizeGiB: number;
  /** Talos patches as YAML text. */
  readonly patches: readonly string[];
}

/** The validated, normalized stack configuration every other module consumes. */
export interface HomelabConfig {
  readonly clusterName: string;
  readonly contract: Contract;
  readonly talosVersion: string;
  /** Without the leading "v". */
  readonly kubernetesVersion: string;
  readonly controlPlane: { readonly vip: string; readonly endpoint: string; readonly certSANs: readonly string[] };
  readonly proxmox: { readonly endpoint: string; readonly insecure: boolean };
  readonly datastores: {
    readonly vm: string;
    readonly efi: string;
    readonly tpm: string;
    readonly cloudInit: string;
    readonly iso: string;
  };
  readonly network: { readonly bridge: string; readonly vlan?: number; readonly nameservers: readonly string[] };
  readonly nodes: readonly HomelabNode[];
  readonly image: {
    /** Sorted, de-duplicated, `siderolabs/`-qualified; always includes qemu-guest-agent. */
    readonly extensions: readonly string[];
    readonly cpuType: "host" | "x86-64-v2-AES";
    readonly installDisk: string;
  };
  readonly security: { readonly secureBoot: boolean; readonly tpmDiskEncryption: boolean };
  readonly patches: {
    readonly cluster: readonly string[];
    readonly controlplane: readonly string[];
    readonly worker: readonly string[];
  };
  readonly ageRecipients: readonly string[];
  /** Opt-out of the operator-recipient requirement (see config/schema.ts and docs/operations.md). */
  readonly allowClusterIdentityOnly: boolean;
  readonly generateClusterAgeIdentity: boolean;
  readonly flux: {
    readonly url: string;
    readonly transport: "https" | "ssh";
    readonly branch: string;
    readonly path: string;
    readonly knownHosts?: string;
    readonly username: string;
    /** Whether `pulumi up` installs Flux (the tree's flux-system files are written either way). */
    readonly install: boolean;
    /** Who keeps the FluxInstance's spec after it is created: Pulumi (from config) or Git. */
    readonly instanceManagedBy: "pulumi" | "git";
    /** How long `pulumi up` waits for Flux to be Ready and to have applied the SOPS canaries; 0: no wait. */
    readonly readyTimeoutSeconds: number;
  };
  readonly runtimeSecrets: RuntimeSecretsConfig;
  readonly outputDir?: string;
  readonly secretsImportFrom?: string;
  /** A SOPS-encrypted etcd snapshot the bootstrap recovers from (relative to the project folder). */
  readonly etcdRecoverFrom?: string;
  /** What `render` anchors reuse of an existing tree to (written by the first render; see docs/operations.md). */
  readonly pins: { readonly clusterAgeRecipient?: string; readonly machineSecretsFingerprint?: string };
}

export interface ValidatedConfig {
  readonly config: HomelabConfig;
  /** Non-fatal findings (e.g. an even number of control planes). */
  readonly warnings: readonly string[];
}
