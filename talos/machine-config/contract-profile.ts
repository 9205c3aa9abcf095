import type { ContractMinor } from "../contract";

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
}

export const CONTRACT_PROFILES: Readonly<Record<ContractMinor, ContractProfile>> = {
  11: {
    legacyFeatureFlags: true,
    apiServerSANsFromEndpoint: true,
    grubUseUKICmdline: false,
    hostnameConfigDocument: false,
    networkStyle: "v1alpha1",
  },
  12: {
    legacyFeatureFlags: false,
    apiServerSANsFromEndpoint: false,
    grubUseUKICmdline: true,
    hostnameConfigDocument: true,
    networkStyle: "documents",
  },
};
