import type { ContractMinor } from "../contract";
import type { YamlDialect } from "../patches/yaml-encode";

/** Everything that differs between Talos contracts for generated configs and our patches. */
export interface ContractProfile {
  /** 1.11 emits `features.rbac/stableHostname/apidCheckExtKeyUsage` and `apiServer.disablePodSecurityPolicy`. */
  readonly legacyFeatureFlags: boolean;
  /** 1.11 fills `cluster.apiServer.certSANs` with the endpoint host. */
  readonly apiServerSANsFromEndpoint: boolean;
  /** 1.12 adds `machine.install.grubUseUKICmdline: true`. */
  readonly grubUseUKICmdline: boolean;
  /** 1.12 replaces `features.stableHostname` with a `HostnameConfig` document (`auto: stable`). */
  readonly hostnameConfigDocument: boolean;
  /**
   * Where our hostname, addressing, VIP and nameservers go: `.machine.network` in 1.11; the typed
   * documents (HostnameConfig, LinkAliasConfig, LinkConfig, Layer2VIPConfig, ResolverConfig) in 1.12,
   * where `.machine.network` is deprecated.
   */
  readonly networkStyle: "v1alpha1" | "documents";
  /** 1.11 and 1.12 emit an empty `machine.network: {}` (KubeSpan moved to its own document in 1.13). */
  readonly emptyMachineNetwork: boolean;
  /**
   * 1.14 (`MultidocKubernetesConfigSupported` and friends): the generator writes Kubernetes, discovery,
   * install, host DNS and volume settings as their own documents (Kube*Config, Discovery*Config,
   * UnattendedInstallConfig, ResolverConfig, VolumeConfig EPHEMERAL, ...) instead of v1alpha1 fields.
   */
  readonly multidocKubernetes: boolean;
  /** How Talos's YAML encoder quotes strings (go.yaml.in/yaml/v4 rc.6 in 1.14). */
  readonly yamlDialect: YamlDialect;
}

export const CONTRACT_PROFILES: Readonly<Record<ContractMinor, ContractProfile>> = {
  11: {
    legacyFeatureFlags: true,
    apiServerSANsFromEndpoint: true,
    grubUseUKICmdline: false,
    hostnameConfigDocument: false,
    networkStyle: "v1alpha1",
    emptyMachineNetwork: true,
    multidocKubernetes: false,
    yamlDialect: "yaml.v3",
  },
  12: {
    legacyFeatureFlags: false,
    apiServerSANsFromEndpoint: false,
    grubUseUKICmdline: true,
    hostnameConfigDocument: true,
    networkStyle: "documents",
    emptyMachineNetwork: true,
    multidocKubernetes: false,
    yamlDialect: "yaml.v3",
  },
  13: {
    legacyFeatureFlags: false,
    apiServerSANsFromEndpoint: false,
    grubUseUKICmdline: true,
    hostnameConfigDocument: true,
    networkStyle: "documents",
    emptyMachineNetwork: false,
    multidocKubernetes: false,
    yamlDialect: "yaml.v3",
  },
  14: {
    legacyFeatureFlags: false,
    apiServerSANsFromEndpoint: false,
    grubUseUKICmdline: false,
    hostnameConfigDocument: true,
    networkStyle: "documents",
    emptyMachineNetwork: false,
    multidocKubernetes: true,
    yamlDialect: "v4-rc6",
  },
};
