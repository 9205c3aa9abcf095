import type { Contract } from "../contract";
import type { CertAndKey, NodeRole, SecretsBundle } from "../types";
import type { ConfigDocument, YamlMap } from "../patches/yaml-value";
import { CONTRACT_PROFILES } from "./contract-profile";
import { multidocBaseMachineConfig } from "./base-multidoc";
import { metadataAuditPolicy, podSecurityAdmission } from "./api-server-defaults";

/** The inputs Talos's generator gets from us: nothing beyond these (no other generator options). */
export interface BaseConfigInput {
  readonly contract: Contract;
  readonly clusterName: string;
  /** `https://host:port`. */
  readonly endpoint: string;
  /** Without the leading "v". */
  readonly kubernetesVersion: string;
  readonly role: NodeRole;
  readonly bundle: SecretsBundle;
}

const b64 = (pem: string): string => Buffer.from(pem, "utf8").toString("base64");
export const certAndKey = (pair: CertAndKey, withKey: boolean): YamlMap => ({ crt: b64(pair.crt), key: withKey ? b64(pair.key) : "" });

/**
 * What Talos's `generate.NewInput(name, endpoint, k8s, WithSecretsBundle, WithVersionContract).Config(role)`
 * emits, as documents in Talos's field order (testdata/stability/v1.1x/base-*.yaml).
 */
export function baseMachineConfig(input: BaseConfigInput): ConfigDocument[] {
  const profile = CONTRACT_PROFILES[input.contract.minor];
  if (profile.multidocKubernetes) return multidocBaseMachineConfig(input);
  const { bundle, role } = input;
  const controlPlane = role === "controlplane";
  const k8s = `v${input.kubernetesVersion}`;
  const legacy = profile.legacyFeatureFlags;

  const machine: YamlMap = {
    type: role,
    token: bundle.trustdInfo.token,
    ca: certAndKey(bundle.certs.os, controlPlane),
    certSANs: [],
    kubelet: {
      image: `ghcr.io/siderolabs/kubelet:${k8s}`,
      defaultRuntimeSeccompProfileEnabled: true,
      disableManifestsDirectory: true,
    },
    ...(profile.emptyMachineNetwork ? { network: {} } : {}),
    install: { wipe: false, ...(profile.grubUseUKICmdline ? { grubUseUKICmdline: true } : {}) },
    features: {
      ...(legacy ? { rbac: true, stableHostname: true, apidCheckExtKeyUsage: true } : {}),
      diskQuotaSupport: true,
      kubePrism: { enabled: true, port: 7445 },
      hostDNS: { enabled: true, forwardKubeDNSToHost: true },
    },
    ...(controlPlane ? { nodeLabels: { "node.kubernetes.io/exclude-from-external-load-balancers": "" } } : {}),
  };

  const cluster: YamlMap = {
    id: bundle.cluster.id,
    secret: bundle.cluster.secret,
    controlPlane: { endpoint: input.endpoint },
    clusterName: input.clusterName,
    network: { dnsDomain: "cluster.local", podSubnets: ["10.244.0.0/16"], serviceSubnets: ["10.96.0.0/12"] },
    token: bundle.secrets.bootstrapToken,
    ...(controlPlane ? encryptionSecrets(bundle) : {}),
    ca: certAndKey(bundle.certs.k8s, controlPlane),
    ...(controlPlane ? controlPlaneClusterFields(input, k8s, profile.apiServerSANsFromEndpoint, legacy) : {}),
  };
  if (!controlPlane) cluster.discovery = discovery();

  const docs: ConfigDocument[] = [{ version: "v1alpha1", debug: false, persist: true, machine, cluster }];
  if (profile.hostnameConfigDocument) docs.push({ apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "stable" });
  return docs;
}

function encryptionSecrets(bundle: SecretsBundle): YamlMap {
  const out: YamlMap = {};
  if (bundle.secrets.aescbcEncryptionSecret) out.aescbcEncryptionSecret = bundle.secrets.aescbcEncryptionSecret;
  if (bundle.secrets.secretboxEncryptionSecret) out.secretboxEncryptionSecret = bundle.secrets.secretboxEncryptionSecret;
  return out;
}

function discovery(): YamlMap {
  return { enabled: true, registries: { kubernetes: { disabled: true }, service: {} } };
}

function controlPlaneClusterFields(input: BaseConfigInput, k8s: string, sansFromEndpoint: boolean, legacy: boolean): YamlMap {
  const { bundle } = input;
  return {
    aggregatorCA: certAndKey(bundle.certs.k8sAggregator, true),
    serviceAccount: { key: b64(bundle.certs.k8sServiceAccount.key) },
    apiServer: {
      image: `registry.k8s.io/kube-apiserver:${k8s}`,
      ...(sansFromEndpoint ? { certSANs: [new URL(input.endpoint).hostname.replace(/^\[(.*)\]$/, "$1")] } : {}),
      ...(legacy ? { disablePodSecurityPolicy: true } : {}),
      admissionControl: [{ name: "PodSecurity", configuration: podSecurityAdmission() }],
      auditPolicy: metadataAuditPolicy(),
    },
    controllerManager: { image: `registry.k8s.io/kube-controller-manager:${k8s}` },
    proxy: { image: `registry.k8s.io/kube-proxy:${k8s}` },
    scheduler: { image: `registry.k8s.io/kube-scheduler:${k8s}` },
    discovery: discovery(),
    etcd: { ca: certAndKey(bundle.certs.etcd, true) },
  };
}

/** The endpoint host Talos 1.11 puts into `cluster.apiServer.certSANs` (none in 1.12). */
export function baseApiServerSANs(contract: Contract, endpoint: string): string[] {
  if (!CONTRACT_PROFILES[contract.minor].apiServerSANsFromEndpoint) return [];
  return [new URL(endpoint).hostname.replace(/^\[(.*)\]$/, "$1")];
}
