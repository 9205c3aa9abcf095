import type { CertAndKey } from "../types";
import type { ConfigDocument, YamlMap } from "../patches/yaml-value";
import type { BaseConfigInput } from "./base";
import { metadataAuditPolicy, podSecurityAdmission } from "./api-server-defaults";

const b64 = (pem: string): string => Buffer.from(pem, "utf8").toString("base64");
const doc = (kind: string, fields: YamlMap = {}): ConfigDocument => ({ apiVersion: "v1alpha1", kind, ...fields });
const issuingCA = (pair: CertAndKey): YamlMap => ({ cert: pair.crt, key: pair.key });

/** Talos's discovery service endpoint (`constants.DefaultDiscoveryServiceEndpoint`). */
export const DEFAULT_DISCOVERY_ENDPOINT = "https://discovery.talos.dev/";
const CONTROL_PLANE_ROLE_LABEL = "node-role.kubernetes.io/control-plane";

/**
 * What Talos 1.14's generator (machinery v1.14.1 `generate/{init,worker,kubernetes,block,network}.go`)
 * emits: a slim v1alpha1 document (machine identity, Talos CA, tokens, etcd CA) and the documents that
 * now carry the rest, in the generator's order. The secretbox secret lives in KubeEtcdEncryptionConfig
 * (control planes only); cluster id/secret in DiscoveryIdentityConfig.
 */
export function multidocBaseMachineConfig(input: BaseConfigInput): ConfigDocument[] {
  const { bundle, role } = input;
  const controlPlane = role === "controlplane";
  const k8s = `v${input.kubernetesVersion}`;

  const main: ConfigDocument = {
    version: "v1alpha1",
    debug: false,
    persist: true,
    machine: {
      type: role,
      token: bundle.trustdInfo.token,
      ca: { crt: b64(bundle.certs.os.crt), key: controlPlane ? b64(bundle.certs.os.key) : "" },
      certSANs: [],
      features: { diskQuotaSupport: true },
    },
    cluster: {
      token: bundle.secrets.bootstrapToken,
      ...(controlPlane ? { etcd: { ca: { crt: b64(bundle.certs.etcd.crt), key: b64(bundle.certs.etcd.key) } } } : {}),
    },
  };

  const docs: ConfigDocument[] = [
    main,
    doc("DiscoveryServiceConfig", { name: "default", endpoint: DEFAULT_DISCOVERY_ENDPOINT }),
    doc("DiscoveryIdentityConfig", { clusterID: bundle.cluster.id, clusterSecret: bundle.cluster.secret }),
    doc("ResolverConfig", { hostDNS: { enabled: true, forwardKubeDNSToHost: true } }),
    doc("VolumeConfig", { name: "EPHEMERAL", mount: { secure: true } }),
    doc("FilesystemTrimConfig", { interval: "168h0m0s" }),
    doc("SecurityProfileConfig", { workloadIsolation: true }),
    doc("HostnameConfig", { auto: "stable" }),
    doc("KubeClusterConfig", { clusterName: input.clusterName, endpoint: input.endpoint }),
    doc("KubeNodeConfig", {
      nodeIP: {},
      ...(controlPlane
        ? {
            labels: { [CONTROL_PLANE_ROLE_LABEL]: "", "node.kubernetes.io/exclude-from-external-load-balancers": "" },
            taints: { [CONTROL_PLANE_ROLE_LABEL]: "NoSchedule" },
          }
        : {}),
    }),
    doc("KubeletConfig", { image: `ghcr.io/siderolabs/kubelet:${k8s}`, config: {}, defaultRuntimeSeccompProfileEnabled: true }),
    doc("KubeNetworkConfig", { dnsDomain: "cluster.local", podSubnets: ["10.244.0.0/16"], serviceSubnets: ["10.96.0.0/12"] }),
    doc("KubeAPIServerCAConfig", controlPlane ? { issuingCA: issuingCA(bundle.certs.k8s) } : { acceptedCAs: [bundle.certs.k8s.crt] }),
    doc("KubePrismConfig", { port: 7445 }),
  ];
  if (controlPlane) docs.push(...controlPlaneDocuments(input, k8s));
  return docs;
}

function controlPlaneDocuments(input: BaseConfigInput, k8s: string): ConfigDocument[] {
  const { bundle } = input;
  const providers: YamlMap[] = [];
  if (bundle.secrets.secretboxEncryptionSecret) {
    providers.push({ secretbox: { keys: [{ name: "key2", secret: bundle.secrets.secretboxEncryptionSecret }] } });
  }
  // machinery v1.14.1 lists an aescbc secret under "secretbox" too (generate/kubernetes.go)
  if (bundle.secrets.aescbcEncryptionSecret) {
    providers.push({ secretbox: { keys: [{ name: "key1", secret: bundle.secrets.aescbcEncryptionSecret }] } });
  }
  return [
    doc("KubeAggregatorCAConfig", { issuingCA: issuingCA(bundle.certs.k8sAggregator) }),
    doc("KubeAdmissionControlConfig", { name: "PodSecurity", configuration: podSecurityAdmission() }),
    doc("KubeAuditPolicyConfig", { configuration: metadataAuditPolicy() }),
    doc("KubeAuthenticationConfig", {
      configuration: {
        anonymous: { conditions: [{ path: "/livez" }, { path: "/readyz" }, { path: "/healthz" }], enabled: true },
        jwt: [],
      },
    }),
    doc("KubeAuthorizerConfig", { name: "node", type: "Node" }),
    doc("KubeAuthorizerConfig", { name: "rbac", type: "RBAC" }),
    doc("KubeEtcdEncryptionConfig", { config: { resources: [{ providers, resources: ["secrets"] }] } }),
    doc("KubeServiceAccountConfig", { issuer: { privateKey: bundle.certs.k8sServiceAccount.key, issuerURL: input.endpoint } }),
    doc("KubeAPIServerConfig", { image: `registry.k8s.io/kube-apiserver:${k8s}` }),
    doc("KubeControllerManagerConfig", { image: `registry.k8s.io/kube-controller-manager:${k8s}` }),
    doc("KubeSchedulerConfig", { image: `registry.k8s.io/kube-scheduler:${k8s}`, config: {} }),
    doc("KubeProxyConfig", { image: `registry.k8s.io/kube-proxy:${k8s}`, config: {} }),
    doc("KubeFlannelCNIConfig", { backendType: "vxlan", backendPort: 4789 }),
    doc("KubeCoreDNSConfig", { enabled: true }),
  ];
}
