import { contractFor } from "../../../talos/contract";
import type { ClusterSpec, NodeSpec, SecretsBundle } from "../../../talos/types";

/** PEM-shaped text: rendering only base64-encodes PEM, so unit tests need no real keys. */
const pem = (label: string, seed: string): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(seed.repeat(8)).toString("base64").slice(0, 64)}\n-----END ${label}-----\n`;

export const BUNDLE: SecretsBundle = {
  cluster: { id: "0raF93qnkMvF-FZNuvyGozXNdLiT2FOWSlyBaW4PR-w=", secret: "pofHbABZq7VXuObsdLdy/bHmz6hlMHZ3p8+6WKrv1ic=" },
  secrets: { bootstrapToken: "inn7ol.u4ehnti8qyls9ymo", secretboxEncryptionSecret: "45yd2Ke+sytiICojDf8aibTfgt99nzJmO53cjDqrCto=" },
  trustdInfo: { token: "d8cwfa.eyvpi0xwxyarbfid" },
  certs: {
    etcd: { crt: pem("CERTIFICATE", "etcd-crt"), key: pem("EC PRIVATE KEY", "etcd-key") },
    k8s: { crt: pem("CERTIFICATE", "k8s-crt"), key: pem("EC PRIVATE KEY", "k8s-key") },
    k8sAggregator: { crt: pem("CERTIFICATE", "agg-crt"), key: pem("EC PRIVATE KEY", "agg-key") },
    k8sServiceAccount: { key: pem("RSA PRIVATE KEY", "sa-key") },
    os: { crt: pem("CERTIFICATE", "os-crt"), key: pem("ED25519 PRIVATE KEY", "os-key") },
  },
};

export const b64 = (text: string): string => Buffer.from(text).toString("base64");

export function clusterSpec(overrides: Partial<ClusterSpec> = {}, talosVersion = "v1.11.5"): ClusterSpec {
  const contract = contractFor(talosVersion);
  return {
    contract,
    clusterName: "homelab",
    kubernetesVersion: contract.defaultKubernetesVersion,
    vip: "192.168.10.10",
    endpoint: "https://192.168.10.10:6443",
    certSANs: ["k8s.example.org"],
    nameservers: ["1.1.1.1", "9.9.9.9"],
    installDisk: "/dev/sda",
    installerImage: `factory.talos.dev/nocloud-installer-secureboot/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:${talosVersion}`,
    diskEncryption: "tpm",
    patches: [],
    rolePatches: { controlplane: [], worker: [] },
    ...overrides,
  };
}

export function controlPlane(index = 1, overrides: Partial<NodeSpec> = {}): NodeSpec {
  return {
    name: `cp-${index}`,
    role: "controlplane",
    address: `192.168.10.${10 + index}/24`,
    gateway: "192.168.10.1",
    mac: `bc:24:11:00:00:0${index}`,
    patches: [],
    ...overrides,
  };
}

export function worker(index = 1, overrides: Partial<NodeSpec> = {}): NodeSpec {
  return {
    name: `worker-${index}`,
    role: "worker",
    address: `192.168.10.${20 + index}/24`,
    gateway: "192.168.10.1",
    patches: [],
    ...overrides,
  };
}
