import { stringify } from "yaml";
import {
  checkAgeRecipients,
  checkContract,
  checkControlPlane,
  checkFlux,
  checkKubernetesVersion,
  checkProxmox,
  checkPins,
  checkSubnet,
  checkSecurity,
  gitTransport,
} from "./cluster-checks";
import { ConfigError, type ConfigIssue } from "./config-error";
import { checkEtcdRecovery } from "./etcd-recovery-checks";
import { checkTalosVersionSupport } from "./talos-version-checks";
import type { HomelabConfig, HomelabNode, ValidatedConfig } from "./homelab-config";
import { checkDuplicates, checkNodeResources, resolveAddress, type ResolvedAddress } from "./node-checks";
import { stackConfigSchema, type ConfigPatch, type StackConfigShape } from "./schema";
import { checkRuntimeSecrets, type RuntimeSecretsConfig } from "./runtime-secrets";
import { configIssuesFromZod } from "./zod-issues";
import type { Contract } from "../talos/contract";

const EXTENSION = /^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9.-]*$/;
export const GUEST_AGENT_EXTENSION = "siderolabs/qemu-guest-agent";

/**
 * Validates the whole stack configuration before anything is created.
 * Throws ConfigError listing every problem (field, value, problem, fix); returns warnings separately.
 */
export function validateConfig(input: unknown): ValidatedConfig {
  const parsed = stackConfigSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(configIssuesFromZod(parsed.error, input));
  const config = parsed.data;
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];

  const contract = checkContract(config, issues);
  checkKubernetesVersion(config, issues);
  if (contract) checkTalosVersionSupport(config, contract, issues, warnings);
  const addresses = checkNodes(config, issues);
  checkControlPlane(config, addresses, issues, warnings);
  checkSecurity(config, issues);
  checkAgeRecipients(config, issues);
  checkFlux(config, issues);
  checkProxmox(config, issues);
  checkSubnet(config, issues);
  checkPins(config, issues);
  checkEtcdRecovery(config, issues, warnings);
  const extensions = normalizeExtensions(config.image.extensions, issues);
  const runtimeSecrets = checkRuntimeSecrets(config.runtimeSecrets, (input as Record<string, unknown>).runtimeSecrets, config.nodes.length, issues);

  if (issues.length > 0 || !contract || !runtimeSecrets) throw new ConfigError(issues);
  if (!config.security.tpmDiskEncryption) {
    warnings.push("security.tpmDiskEncryption is off: STATE and EPHEMERAL are encrypted with a nodeID-derived key, which protects far less than a TPM-sealed key (anyone with the disk image can derive it). Turn security.tpmDiskEncryption and security.secureBoot on to seal the key to the TPM.");
  }
  return { config: normalize(config, contract, addresses, extensions, runtimeSecrets), warnings };
}

function checkNodes(config: StackConfigShape, issues: ConfigIssue[]): Map<string, ResolvedAddress> {
  const addresses = new Map<string, ResolvedAddress>();
  checkDuplicates(config.nodes, issues);
  config.nodes.forEach((node, index) => {
    checkNodeResources(node, index, issues);
    const address = resolveAddress(node, index, config.network, issues);
    if (address && !addresses.has(node.name)) addresses.set(node.name, address);
  });
  return addresses;
}

function normalizeExtensions(extensions: readonly string[], issues: ConfigIssue[]): string[] {
  const qualified = extensions.map((ext, index) => {
    const name = ext.includes("/") ? ext : `siderolabs/${ext}`;
    if (!EXTENSION.test(name)) {
      issues.push({ path: `image.extensions[${index}]`, value: ext, problem: "is not an Image Factory extension name", fix: "use names like siderolabs/iscsi-tools (see factory.talos.dev)" });
    }
    return name;
  });
  return [...new Set([GUEST_AGENT_EXTENSION, ...qualified])].sort();
}

function patchText(patch: ConfigPatch): string {
  return typeof patch === "string" ? patch : stringify(patch);
}

function normalize(
  config: StackConfigShape,
  contract: Contract,
  addresses: ReadonlyMap<string, ResolvedAddress>,
  extensions: readonly string[],
  runtimeSecrets: RuntimeSecretsConfig,
): HomelabConfig {
  const vm = config.datastores.vm;
  return {
    clusterName: config.clusterName,
    contract,
    talosVersion: config.talosVersion,
    kubernetesVersion: (config.kubernetesVersion ?? contract.defaultKubernetesVersion).replace(/^v/, ""),
    controlPlane: {
      vip: config.controlPlane.vip,
      endpoint: config.controlPlane.endpoint ?? `https://${config.controlPlane.vip}:6443`,
      certSANs: config.controlPlane.certSANs,
    },
    proxmox: config.proxmox,
    datastores: {
      vm,
      efi: config.datastores.efi ?? vm,
      tpm: config.datastores.tpm ?? vm,
      cloudInit: config.datastores.cloudInit ?? vm,
      iso: config.datastores.iso,
    },
    network: { bridge: config.network.bridge, vlan: config.network.vlan, nameservers: config.network.nameservers },
    nodes: config.nodes.map((node): HomelabNode => {
      const address = addresses.get(node.name) as ResolvedAddress;
      return {
        name: node.name,
        role: node.role,
        proxmoxNode: node.proxmoxNode,
        vmId: node.vmId,
        address: address.cidr,
        gateway: address.gateway,
        mac: node.mac?.toUpperCase(),
        cores: node.cores,
        memoryMiB: node.memory,
        diskSizeGiB: node.diskSize,
        patches: node.patches.map(patchText),
      };
    }),
    image: { extensions, cpuType: config.image.cpuType, installDisk: config.image.installDisk },
    security: config.security,
    patches: {
      cluster: config.patches.cluster.map(patchText),
      controlplane: config.patches.controlplane.map(patchText),
      worker: config.patches.worker.map(patchText),
    },
    ageRecipients: config.ageRecipients,
    allowClusterIdentityOnly: config.allowClusterIdentityOnly,
    generateClusterAgeIdentity: config.generateClusterAgeIdentity,
    flux: {
      url: config.flux.url,
      transport: gitTransport(config.flux.url) ?? "https",
      branch: config.flux.branch,
      path: config.flux.path ?? `clusters/${config.clusterName}`,
      knownHosts: config.flux.knownHosts,
      username: config.flux.username,
      install: config.flux.install,
      instanceManagedBy: config.flux.instanceManagedBy,
      readyTimeoutSeconds: config.flux.readyTimeoutSeconds,
    },
    runtimeSecrets,
    outputDir: config.outputDir,
    secretsImportFrom: config.secretsImportFrom,
    ...(config.etcdRecoverFrom !== undefined ? { etcdRecoverFrom: config.etcdRecoverFrom } : {}),
    pins: {
      ...(config.clusterAgeRecipient !== undefined ? { clusterAgeRecipient: config.clusterAgeRecipient } : {}),
      ...(config.machineSecretsFingerprint !== undefined ? { machineSecretsFingerprint: config.machineSecretsFingerprint } : {}),
    },
  };
}
