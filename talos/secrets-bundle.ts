import { CONTRACT_TABLES, type Contract } from "./contract";
import type { SecretsBundle } from "./types";
import { createSelfSignedCa } from "./pki/certificate-authority";
import { generateKey } from "./pki/keys";
import { randomBase64Secret, randomBootstrapToken, randomClusterId } from "./pki/random";

/**
 * Generates fresh machine secrets as `talosctl gen secrets` does for the contract (Talos
 * secrets.NewBundle): ECDSA P-256 etcd/Kubernetes/aggregator CAs, an Ed25519 Talos API CA, an
 * RSA-4096 service-account key, kubeadm-style tokens and a secretbox secret (every supported contract
 * is newer than 1.2, so never aescbc). The keys are generated in parallel; RSA-4096 dominates.
 */
export async function generateSecretsBundle(contract: Contract, now: Date = new Date()): Promise<SecretsBundle> {
  assertSupportedContract(contract);
  const [etcd, k8s, k8sAggregator, serviceAccount, os] = await Promise.all([
    createSelfSignedCa({ algorithm: "ecdsa-p256", organization: "etcd", now }),
    createSelfSignedCa({ algorithm: "ecdsa-p256", organization: "kubernetes", now }),
    // Talos passes CommonName "front-proxy", which the CA template drops: the subject is empty.
    createSelfSignedCa({ algorithm: "ecdsa-p256", now }),
    generateKey("rsa-4096"),
    createSelfSignedCa({ algorithm: "ed25519", organization: "talos", now }),
  ]);
  return {
    cluster: { id: randomClusterId(), secret: randomBase64Secret() },
    secrets: { bootstrapToken: randomBootstrapToken(), secretboxEncryptionSecret: randomBase64Secret() },
    trustdInfo: { token: randomBootstrapToken() },
    certs: { etcd, k8s, k8sAggregator, k8sServiceAccount: { key: serviceAccount.pem }, os },
  };
}

function assertSupportedContract(contract: Contract): void {
  if (!(contract.minor in CONTRACT_TABLES)) {
    throw new Error(`contract "${String(contract.name)}" is not supported for secrets generation: use ${Object.keys(CONTRACT_TABLES).map((m) => `v1.${m}`).join(", ")}`);
  }
}
