import type { ContractMinor } from "../contract";

/** A v1alpha1 field Talos moved into its own document: patching the old field no longer works. */
export interface MovedField {
  /** Dotted v1alpha1 path, e.g. "cluster.apiServer". */
  readonly path: string;
  /** The document (kind) and field that carry the setting now. */
  readonly document: string;
  /** The first Talos minor whose generator and schema use the document. */
  readonly since: ContractMinor;
}

const moved = (since: ContractMinor, entries: Record<string, string>): MovedField[] =>
  Object.entries(entries).map(([path, document]) => ({ path, document, since }));

/**
 * From each document's `V1Alpha1ConflictValidate` and the fields machinery's config schema stops
 * documenting (machinery v1.12.7, v1.13.9, v1.14.1). The most specific path wins.
 */
export const MOVED_FIELDS: readonly MovedField[] = [
  ...moved(11, { "machine.systemDiskEncryption": "VolumeConfig (encryption, in the STATE or EPHEMERAL document)" }),
  ...moved(12, {
    "machine.network.hostname": "HostnameConfig (hostname, with auto: off)",
    "machine.features.stableHostname": "HostnameConfig (auto: stable)",
    "machine.network.interfaces": "LinkConfig / LinkAliasConfig (addresses, routes), Layer2VIPConfig (vip), BondConfig, VLANConfig, BridgeConfig",
    "machine.network.nameservers": "ResolverConfig (nameservers)",
    "machine.network.searchDomains": "ResolverConfig (searchDomains.domains)",
    "machine.network.disableSearchDomain": "ResolverConfig (searchDomains.disableDefault)",
    "machine.network.extraHostEntries": "StaticHostConfig",
    "machine.time": "TimeSyncConfig",
    "machine.registries": "RegistryMirrorConfig, RegistryAuthConfig and RegistryTLSConfig",
  }),
  ...moved(13, {
    "machine.network": "the network documents (LinkConfig, ResolverConfig, HostnameConfig, KubeSpanConfig, ...)",
    "machine.network.kubespan": "KubeSpanConfig",
    "machine.env": "EnvironmentConfig",
  }),
  ...moved(14, {
    "machine.install": "UnattendedInstallConfig (installer.image, provisioning.diskSelector.match)",
    "machine.kubelet": "KubeletConfig (image, extraArgs, extraMounts, extraConfig -> config, ...)",
    "machine.kubelet.nodeIP": "KubeNodeConfig (nodeIP)",
    "machine.nodeLabels": "KubeNodeConfig (labels)",
    "machine.nodeAnnotations": "KubeNodeConfig (annotations)",
    "machine.nodeTaints": "KubeNodeConfig (taints)",
    "machine.pods": "KubeStaticPodConfig",
    "machine.controlPlane": "KubeControllerManagerConfig / KubeSchedulerConfig",
    "machine.files": "EtcFileConfig",
    "machine.sysctls": "SysctlConfig",
    "machine.sysfs": "SysfsConfig",
    "machine.kernel": "KernelModuleConfig",
    "machine.udev": "UdevRulesConfig",
    "machine.baseRuntimeSpecOverrides": "CRIBaseRuntimeSpecConfig",
    "machine.features.kubePrism": "KubePrismConfig",
    "machine.features.hostDNS": "ResolverConfig (hostDNS)",
    "machine.features.kubernetesTalosAPIAccess": "KubeTalosAPIAccessConfig",
    "machine.features.imageCache": "ImageCacheConfig",
    "cluster.id": "DiscoveryIdentityConfig (clusterID)",
    "cluster.secret": "DiscoveryIdentityConfig (clusterSecret)",
    "cluster.discovery": "DiscoveryServiceConfig",
    "cluster.clusterName": "KubeClusterConfig (clusterName)",
    "cluster.controlPlane": "KubeClusterConfig (endpoint)",
    "cluster.controlPlane.localAPIServerPort": "KubeAPIServerConfig (apiPort)",
    "cluster.network": "KubeNetworkConfig (dnsDomain, podSubnets, serviceSubnets)",
    "cluster.network.cni": "KubeFlannelCNIConfig, or KubeExternalManifestConfig for another CNI",
    "cluster.apiServer": "KubeAPIServerConfig (image, extraArgs, certExtraSANs, ...)",
    "cluster.apiServer.admissionControl": "KubeAdmissionControlConfig",
    "cluster.apiServer.auditPolicy": "KubeAuditPolicyConfig",
    "cluster.apiServer.authorizationConfig": "KubeAuthorizerConfig",
    "cluster.controllerManager": "KubeControllerManagerConfig",
    "cluster.scheduler": "KubeSchedulerConfig",
    "cluster.proxy": "KubeProxyConfig",
    "cluster.coreDNS": "KubeCoreDNSConfig",
    "cluster.ca": "KubeAPIServerCAConfig",
    "cluster.acceptedCAs": "KubeAPIServerCAConfig (acceptedCAs)",
    "cluster.aggregatorCA": "KubeAggregatorCAConfig",
    "cluster.serviceAccount": "KubeServiceAccountConfig",
    "cluster.secretboxEncryptionSecret": "KubeEtcdEncryptionConfig",
    "cluster.aescbcEncryptionSecret": "KubeEtcdEncryptionConfig",
    "cluster.extraManifests": "KubeExternalManifestConfig",
    "cluster.extraManifestHeaders": "KubeExternalManifestConfig",
    "cluster.inlineManifests": "KubeInlineManifestConfig",
    "cluster.allowSchedulingOnControlPlanes": "KubeNodeConfig (taints)",
    "cluster.allowSchedulingOnMasters": "KubeNodeConfig (taints)",
  }),
];

/** The most specific moved-field entry covering `path` in this contract, if any. */
export function movedField(minor: ContractMinor, path: readonly string[]): MovedField | undefined {
  let best: MovedField | undefined;
  for (const entry of MOVED_FIELDS) {
    if (entry.since > minor) continue;
    const parts = entry.path.split(".");
    if (parts.length > path.length || !parts.every((p, i) => p === path[i])) continue;
    if (best === undefined || parts.length > best.path.split(".").length) best = entry;
  }
  return best;
}
