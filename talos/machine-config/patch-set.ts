import type { ClusterSpec, NodeSpec, SecretsBundle } from "../types";
import { encodeYamlDocuments } from "../patches/yaml-encode";
import type { ConfigDocument, YamlMap } from "../patches/yaml-value";
import { baseApiServerSANs } from "./base";
import { CONTRACT_PROFILES } from "./contract-profile";

/** Link alias our 1.12 network documents use for the node's NIC. */
export const PRIMARY_LINK_ALIAS = "net0";

/** One of our patches, with a name for error messages. */
export interface NamedPatch {
  readonly source: string;
  readonly text: string;
}

const uniq = (values: readonly string[]): string[] => [...new Set(values)];
const nodeIp = (node: NodeSpec): string => node.address.split("/")[0];

function installPatch(cluster: ClusterSpec): ConfigDocument[] {
  if (CONTRACT_PROFILES[cluster.contract.minor].multidocKubernetes) {
    // 1.14: `.machine.install` is deprecated; this is the document the generator writes for an install disk
    return [
      {
        apiVersion: "v1alpha1",
        kind: "UnattendedInstallConfig",
        installer: { image: cluster.installerImage },
        provisioning: { diskSelector: { match: `disk.dev_path == ${JSON.stringify(cluster.installDisk)}` }, wipe: false },
      },
    ];
  }
  return [{ machine: { install: { disk: cluster.installDisk, image: cluster.installerImage } } }];
}

function certSANsPatch(cluster: ClusterSpec, node: NodeSpec): ConfigDocument[] {
  const machineSANs = uniq([cluster.vip, nodeIp(node), ...cluster.certSANs]);
  const patch: YamlMap = { machine: { certSANs: machineSANs } };
  if (node.role === "controlplane") {
    const already = new Set(baseApiServerSANs(cluster.contract, cluster.endpoint));
    const apiSANs = machineSANs.filter((san) => !already.has(san));
    if (apiSANs.length > 0 && CONTRACT_PROFILES[cluster.contract.minor].multidocKubernetes) {
      return [patch, { apiVersion: "v1alpha1", kind: "KubeAPIServerConfig", certExtraSANs: apiSANs }];
    }
    if (apiSANs.length > 0) patch.cluster = { apiServer: { certSANs: apiSANs } };
  }
  return [patch];
}

/** 1.11: hostname, static address, default route, VIP and nameservers under `.machine.network`. */
function legacyNetworkPatch(cluster: ClusterSpec, node: NodeSpec): ConfigDocument[] {
  const iface: YamlMap = {
    deviceSelector: node.mac !== undefined ? { hardwareAddr: node.mac } : { physical: true },
    addresses: [node.address],
    routes: [{ network: "0.0.0.0/0", gateway: node.gateway }],
  };
  if (node.role === "controlplane") iface.vip = { ip: cluster.vip };
  const network: YamlMap = { hostname: node.name, interfaces: [iface] };
  if (cluster.nameservers.length > 0) network.nameservers = [...cluster.nameservers];
  return [{ machine: { network } }];
}

/** 1.12: the typed network documents that replace the deprecated `.machine.network` fields. */
function networkDocumentsPatch(cluster: ClusterSpec, node: NodeSpec): ConfigDocument[] {
  const meta = (kind: string): YamlMap => ({ apiVersion: "v1alpha1", kind });
  const match =
    node.mac !== undefined
      ? `mac(link.hardware_addr) == "${node.mac}"`
      : // what `deviceSelector: {physical: true}` selects: an Ethernet link that is not a virtual kind
        `link.type == 1 && link.kind == ""`;
  const docs: ConfigDocument[] = [
    { ...meta("HostnameConfig"), auto: "off", hostname: node.name },
    { ...meta("LinkAliasConfig"), name: PRIMARY_LINK_ALIAS, selector: { match } },
    {
      ...meta("LinkConfig"),
      name: PRIMARY_LINK_ALIAS,
      addresses: [{ address: node.address }],
      routes: [{ gateway: node.gateway }],
    },
  ];
  if (node.role === "controlplane") docs.push({ ...meta("Layer2VIPConfig"), name: cluster.vip, link: PRIMARY_LINK_ALIAS });
  if (cluster.nameservers.length > 0) {
    docs.push({ ...meta("ResolverConfig"), nameservers: cluster.nameservers.map((address) => ({ address })) });
  }
  return docs;
}

/** LUKS2 for STATE and EPHEMERAL: sealed to the TPM, or the weaker nodeID key when the TPM is off. */
function diskEncryptionPatch(cluster: ClusterSpec): ConfigDocument[] {
  const key = (lockToState: boolean): YamlMap => ({
    slot: 0,
    ...(cluster.diskEncryption === "tpm" ? { tpm: { checkSecurebootStatusOnEnroll: true } } : { nodeID: {} }),
    ...(lockToState ? { lockToState: true } : {}),
  });
  const volume = (name: string, lockToState: boolean): ConfigDocument => ({
    apiVersion: "v1alpha1",
    kind: "VolumeConfig",
    name,
    encryption: { provider: "luks2", keys: [key(lockToState)] },
  });
  return [volume("STATE", false), volume("EPHEMERAL", true)];
}

/** Our settings, as strategic merge patches in the order they apply (before any user patch). */
export function ourPatches(cluster: ClusterSpec, node: NodeSpec): NamedPatch[] {
  const profile = CONTRACT_PROFILES[cluster.contract.minor];
  const network = profile.networkStyle === "v1alpha1" ? legacyNetworkPatch(cluster, node) : networkDocumentsPatch(cluster, node);
  const named = (source: string, docs: ConfigDocument[]): NamedPatch => ({ source, text: encodeYamlDocuments(docs) });
  return [
    named("install disk and installer image", installPatch(cluster)),
    named("network (hostname, address, routes, VIP, nameservers)", network),
    named("certificate SANs", certSANsPatch(cluster, node)),
    named(`disk encryption (${cluster.diskEncryption})`, diskEncryptionPatch(cluster)),
  ];
}

/** User patches in order: cluster-wide, then the node's role, then the node itself. */
export function userPatches(cluster: ClusterSpec, node: NodeSpec): NamedPatch[] {
  return [
    ...cluster.patches.map((text, i) => ({ source: `cluster patch ${i + 1}`, text })),
    ...cluster.rolePatches[node.role].map((text, i) => ({ source: `${node.role} patch ${i + 1}`, text })),
    ...node.patches.map((text, i) => ({ source: `node "${node.name}" patch ${i + 1}`, text })),
  ];
}

/**
 * Every patch applied on top of Talos's generated base config, in order: ours (install, network,
 * SANs, disk encryption), then the user's cluster, role and node patches. The secretbox secret comes
 * from the bundle through the base config and is never patched.
 */
export function machineConfigPatches(_bundle: SecretsBundle, cluster: ClusterSpec, node: NodeSpec): string[] {
  return namedMachineConfigPatches(cluster, node).map((p) => p.text);
}

export function namedMachineConfigPatches(cluster: ClusterSpec, node: NodeSpec): NamedPatch[] {
  return [...ourPatches(cluster, node), ...userPatches(cluster, node)];
}
