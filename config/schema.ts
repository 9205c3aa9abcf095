import { z } from "zod";
import { DEFAULT_TALOS_VERSION } from "../talos/contract";
import { runtimeSecretsSchema } from "./runtime-secrets";

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a DNS label: lower-case letters, digits and '-', at most 63 characters");

/** A Talos config patch: YAML text, or the patch written inline as YAML in the stack file. */
const patch = z.union([z.string().min(1), z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]);

export const nodeSchema = z
  .object({
    name: dnsLabel,
    role: z.enum(["controlplane", "worker"]),
    proxmoxNode: z.string().min(1),
    vmId: z.number().int(),
    /** IPv4 address, with "/prefix" or taking the prefix of network.subnet. */
    ip: z.string().min(1),
    /** Defaults to network.gateway. */
    gateway: z.string().optional(),
    mac: z.string().optional(),
    cores: z.number().int(),
    /** MiB. */
    memory: z.number().int(),
    /** GiB. */
    diskSize: z.number().int(),
    patches: z.array(patch).default([]),
  })
  .strict();

export const stackConfigSchema = z
  .object({
    clusterName: dnsLabel,
    talosVersion: z.string().default(DEFAULT_TALOS_VERSION),
    /** Defaults to the Talos contract's Kubernetes version. */
    kubernetesVersion: z.string().optional(),
    controlPlane: z
      .object({
        vip: z.string(),
        /** Defaults to https://<vip>:6443. */
        endpoint: z.string().optional(),
        certSANs: z.array(z.string()).default([]),
      })
      .strict(),
    proxmox: z
      .object({
        endpoint: z.string(),
        insecure: z.boolean().default(false),
      })
      .strict(),
    datastores: z
      .object({
        vm: z.string().min(1).default("local-lvm"),
        efi: z.string().min(1).optional(),
        tpm: z.string().min(1).optional(),
        cloudInit: z.string().min(1).optional(),
        iso: z.string().min(1).default("local"),
      })
      .strict()
      .prefault({}),
    network: z
      .object({
        bridge: z.string().min(1).default("vmbr0"),
        vlan: z.number().int().optional(),
        subnet: z.string().optional(),
        gateway: z.string().optional(),
        nameservers: z.array(z.string()).default(["1.1.1.1", "9.9.9.9"]),
      })
      .strict()
      .prefault({}),
    nodes: z.array(nodeSchema),
    image: z
      .object({
        extensions: z.array(z.string().min(1)).default([]),
        cpuType: z.enum(["host", "x86-64-v2-AES"]).default("host"),
        installDisk: z.string().regex(/^\/dev\/[a-z0-9]+$/, "must be a device path like /dev/sda").default("/dev/sda"),
      })
      .strict()
      .prefault({}),
    security: z
      .object({
        secureBoot: z.boolean().default(true),
        tpmDiskEncryption: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    patches: z
      .object({
        cluster: z.array(patch).default([]),
        controlplane: z.array(patch).default([]),
        worker: z.array(patch).default([]),
      })
      .strict()
      .prefault({}),
    ageRecipients: z.array(z.string()).default([]),
    /**
     * Opt-out: allow the cluster identity to be the only recipient when no operator recipient is configured. Then
     * `talos/<cluster>/` (machine secrets, admin credentials) is encrypted to the key that sits in the cluster's
     * `sops-age` Secret and in Pulumi state, and nothing else. Off by default: `render` and `pulumi up` refuse.
     */
    allowClusterIdentityOnly: z.boolean().default(false),
    /** Generate the cluster age identity once and keep it in Pulumi state, instead of reading it from config. */
    generateClusterAgeIdentity: z.boolean().default(false),
    flux: z
      .object({
        url: z.string(),
        branch: z.string().min(1).default("main"),
        /** Defaults to clusters/<clusterName>. */
        path: z.string().optional(),
        /** SSH known_hosts line(s) for an ssh:// repository. */
        knownHosts: z.string().optional(),
        username: z.string().default("git"),
        /**
         * Install Flux with `pulumi up` (default). false: stop after the cluster is healthy and the tree is written,
         * e.g. to bootstrap Flux by hand, or where the Flux Operator's chart registry is not reachable.
         */
        install: z.boolean().default(true),
        /**
         * Who keeps the FluxInstance after the first `pulumi up`: "pulumi" (default) keeps it matching this config;
         * "git" creates it once and leaves its spec to the copy Flux applies from the tree (docs/flux.md).
         */
        instanceManagedBy: z.enum(["pulumi", "git"]).default("pulumi"),
        /**
         * How long `pulumi up` waits for the FluxInstance to be Ready and for kustomize-controller to have decrypted
         * and applied the SOPS canaries from Git (seconds; 0: do not wait).
         */
        readyTimeoutSeconds: z.number().int().min(0).max(86_400).default(900),
      })
      .strict(),
    /** The optional runtime secrets layer (External Secrets + OpenBao/Vault, or Sealed Secrets); see docs/runtime-secrets.md. */
    runtimeSecrets: runtimeSecretsSchema,
    /** Where `pulumi up` writes the encrypted GitOps tree; nothing is written when unset. */
    outputDir: z.string().min(1).optional(),
    /** Disaster recovery: adopt the machine secrets from this secrets.yaml / secrets.sops.yaml instead of generating. */
    secretsImportFrom: z.string().min(1).optional(),
    /**
     * Disaster recovery: bootstrap etcd from this snapshot (`talos-homelab etcd snapshot`'s .snapshot.sops) instead of
     * starting empty. Checked (exists, decrypts, etcd hash) before anything is created; see docs/operations.md.
     */
    etcdRecoverFrom: z.string().min(1).optional(),
    /** Pin: the cluster identity's recipient; `render` reuses a tree's sops-age Secret only when it matches. */
    clusterAgeRecipient: z.string().optional(),
    /** Pin: `sha256:<hex>` of the machine secrets; `render` reuses a tree's secrets.sops.yaml only when it matches. */
    machineSecretsFingerprint: z.string().optional(),
  })
  .strict();

export type StackConfigInput = z.input<typeof stackConfigSchema>;
export type StackConfigShape = z.output<typeof stackConfigSchema>;
export type NodeConfigShape = z.output<typeof nodeSchema>;
export type ConfigPatch = z.output<typeof patch>;

/** Config keys that hold secrets: only `pulumi config set --secret` or the environment may provide them. */
export const SECRET_KEYS = {
  proxmoxApiToken: "PROXMOX_VE_API_TOKEN",
  gitToken: "TALOS_HOMELAB_GIT_TOKEN",
  gitSshKey: "TALOS_HOMELAB_GIT_SSH_KEY",
  clusterAgeIdentity: "TALOS_HOMELAB_AGE_IDENTITY",
} as const;
export type SecretKey = keyof typeof SECRET_KEYS;
