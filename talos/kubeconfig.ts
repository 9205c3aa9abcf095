import { X509Certificate } from "node:crypto";
import { parse, stringify } from "yaml";
import type { CertAndKey, SecretsBundle } from "./types";
import { issueLeafCertificate, loadCa } from "./pki/certificate-authority";
import { certificateSummary, renewalDue } from "./pki/renewal";
import { base64, isRecord, unbase64 } from "./client-config-fields";

const HOUR_MS = 3_600_000;
/** cluster.adminKubeconfig.certLifetime default: one year. */
export const ADMIN_KUBECONFIG_CERT_LIFETIME_MS = 8_760 * HOUR_MS;
/** Talos backdates the admin kubeconfig certificate by 10 s to tolerate clock skew. */
const NOT_BEFORE_SKEW_MS = 10_000;

export interface AdminKubeconfigOptions {
  readonly clusterName: string;
  /** The cluster endpoint, `https://<vip>:6443`. */
  readonly endpoint: string;
  readonly now?: Date;
  readonly certLifetimeMs?: number;
  /** A previously rendered kubeconfig: returned unchanged while it is for the same cluster, endpoint and CA and its certificate has 30+ days left. */
  readonly existing?: string;
}

/**
 * Renders the admin kubeconfig as Talos's kubeconfig.GenerateAdmin does, locally from the Kubernetes
 * CA: an ECDSA P-256 client certificate with CN=admin, O=system:masters, KeyUsage
 * digitalSignature|keyEncipherment, ExtKeyUsage clientAuth; user and context `admin@<cluster>` with
 * namespace default.
 */
export async function renderAdminKubeconfig(bundle: SecretsBundle, options: AdminKubeconfigOptions): Promise<string> {
  if (options.clusterName === "") throw new Error("kubeconfig clusterName: required (the cluster name)");
  if (!/^https:\/\/\S+$/.test(options.endpoint)) {
    throw new Error(`kubeconfig endpoint "${options.endpoint}": must be an https URL such as https://192.168.10.10:6443`);
  }
  const now = options.now ?? new Date();
  if (options.existing !== undefined && stillValid(options.existing, bundle, options, now)) return options.existing;

  const client = await issueAdminKubernetesCertificate(bundle, now, options.certLifetimeMs ?? ADMIN_KUBECONFIG_CERT_LIFETIME_MS);
  const user = `admin@${options.clusterName}`;
  return stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: options.clusterName, cluster: { server: options.endpoint, "certificate-authority-data": base64(bundle.certs.k8s.crt) } }],
      users: [{ name: user, user: { "client-certificate-data": base64(client.crt), "client-key-data": base64(client.key) } }],
      contexts: [{ context: { cluster: options.clusterName, namespace: "default", user }, name: user }],
      "current-context": user,
    },
    { indent: 2, indentSeq: false, lineWidth: 0 },
  );
}

/** Issues the Kubernetes admin client certificate from the Kubernetes CA. */
export async function issueAdminKubernetesCertificate(bundle: SecretsBundle, now: Date, lifetimeMs: number): Promise<CertAndKey> {
  const ca = loadCa(bundle.certs.k8s, "certs.k8s");
  return issueLeafCertificate(ca, {
    subject: { commonName: "admin", organizations: ["system:masters"] },
    notBefore: new Date(now.getTime() - NOT_BEFORE_SKEW_MS),
    notAfter: new Date(now.getTime() + lifetimeMs),
    keyUsage: ["digitalSignature", "keyEncipherment"],
    extKeyUsage: ["clientAuth"],
  });
}

function stillValid(existing: string, bundle: SecretsBundle, options: AdminKubeconfigOptions, now: Date): boolean {
  let doc: unknown;
  try {
    doc = parse(existing, { schema: "failsafe" });
  } catch {
    return false;
  }
  const user = `admin@${options.clusterName}`;
  const cluster = namedEntry(doc, "clusters", options.clusterName, "cluster");
  const credentials = namedEntry(doc, "users", user, "user");
  if (cluster === undefined || credentials === undefined || !isRecord(doc) || doc["current-context"] !== user) return false;
  if (cluster.server !== options.endpoint || cluster["certificate-authority-data"] !== base64(bundle.certs.k8s.crt)) return false;
  const crt = credentials["client-certificate-data"];
  if (typeof crt !== "string") return false;
  const summary = certificateSummary(unbase64(crt));
  if (summary === undefined || renewalDue(summary, now)) return false;
  return summary.certificate.verify(new X509Certificate(bundle.certs.k8s.crt).publicKey);
}

function namedEntry(doc: unknown, list: string, name: string, field: string): Record<string, unknown> | undefined {
  if (!isRecord(doc) || !Array.isArray(doc[list])) return undefined;
  const entry: unknown = (doc[list] as unknown[]).find((e) => isRecord(e) && e.name === name);
  return isRecord(entry) && isRecord(entry[field]) ? entry[field] : undefined;
}
