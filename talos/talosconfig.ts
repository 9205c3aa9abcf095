import { X509Certificate } from "node:crypto";
import { parse } from "yaml";
import type { CertAndKey, SecretsBundle } from "./types";
import { encodeYamlDocument } from "./patches/yaml-encode";
import type { YamlMap } from "./patches/yaml-value";
import { loadCa, issueLeafCertificate } from "./pki/certificate-authority";
import { certificateSummary, renewalDue } from "./pki/renewal";
import { base64, isRecord, unbase64 } from "./client-config-fields";

const HOUR_MS = 3_600_000;
/** constants.TalosAPIDefaultCertificateValidityDuration: 365 days. */
export const ADMIN_CERT_VALIDITY_MS = 8_760 * HOUR_MS;
/** The Talos API role the admin certificate carries (role.Admin). */
export const TALOS_ADMIN_ROLE = "os:admin";

export interface TalosconfigOptions {
  readonly contextName: string;
  /** Talos API endpoints (node IPs; the VIP is not a Talos API endpoint). */
  readonly endpoints: readonly string[];
  readonly nodes: readonly string[];
  readonly now?: Date;
  /** Roles written as the certificate's O values, sorted as role.Set.Strings() sorts them; default os:admin. */
  readonly roles?: readonly string[];
  /** A previously rendered talosconfig: its client certificate is reused while still valid for 30+ days. */
  readonly existing?: string;
}

/**
 * Renders a talosconfig as `talosctl gen config` writes it (clientconfig.Config through yaml.v3):
 * one context with endpoints, nodes, the Talos API CA, and an admin client certificate signed by that
 * CA (Ed25519, O=os:admin, no CN, KeyUsage digitalSignature, ExtKeyUsage exactly clientAuth, one year).
 * The client certificate of `existing` is kept while it chains to this CA, carries the same roles and
 * has more than 30 days left, so re-rendering the same inputs gives the same text.
 */
export async function renderTalosconfig(bundle: SecretsBundle, options: TalosconfigOptions): Promise<string> {
  if (options.contextName === "") throw new Error("talosconfig contextName: required (the cluster name)");
  const now = options.now ?? new Date();
  const roles = [...(options.roles ?? [TALOS_ADMIN_ROLE])].sort();
  const client = reusableClient(bundle, options.existing, roles, now) ?? (await issueAdminCertificate(bundle, roles, now));
  const context: YamlMap = { endpoints: [...options.endpoints] };
  if (options.nodes.length > 0) context.nodes = [...options.nodes];
  context.ca = base64(bundle.certs.os.crt);
  context.crt = base64(client.crt);
  context.key = base64(client.key);
  return encodeYamlDocument({ context: options.contextName, contexts: { [options.contextName]: context } });
}

/**
 * Returns `existing` unchanged when its admin certificate still has 30 days or more and everything else
 * matches; otherwise renders a fresh talosconfig.
 */
export async function renewTalosconfigIfNeeded(
  bundle: SecretsBundle,
  existing: string | undefined,
  options: Omit<TalosconfigOptions, "existing">,
): Promise<string> {
  const rendered = await renderTalosconfig(bundle, { ...options, existing });
  return rendered === existing ? existing : rendered;
}

/**
 * The talosconfig rendered with the client certificate of `existing` when that certificate can be kept
 * (same CA and roles, 30+ days left), or undefined when a new one must be issued.
 */
export async function reuseTalosconfig(
  existing: string,
  bundle: SecretsBundle,
  options: Omit<TalosconfigOptions, "existing">,
): Promise<string | undefined> {
  const roles = [...(options.roles ?? [TALOS_ADMIN_ROLE])].sort();
  if (reusableClient(bundle, existing, roles, options.now ?? new Date()) === undefined) return undefined;
  return renderTalosconfig(bundle, { ...options, existing });
}

/** True when the current context's client certificate has under 30 days left, is missing or unreadable. */
export function adminCertNeedsRenewal(talosconfigText: string, now: Date = new Date()): boolean {
  const client = currentContextClient(talosconfigText);
  if (client === undefined) return true;
  const summary = certificateSummary(client.crt);
  return summary === undefined || renewalDue(summary, now);
}

/** Issues the Talos API client certificate (secrets.NewAdminCertificateAndKey). */
export async function issueAdminCertificate(bundle: SecretsBundle, roles: readonly string[], now: Date): Promise<CertAndKey> {
  const ca = loadCa(bundle.certs.os, "certs.os");
  return issueLeafCertificate(ca, {
    subject: { organizations: roles },
    notBefore: now,
    notAfter: new Date(now.getTime() + ADMIN_CERT_VALIDITY_MS),
    keyUsage: ["digitalSignature"],
    extKeyUsage: ["clientAuth"],
  });
}

function reusableClient(bundle: SecretsBundle, existing: string | undefined, roles: readonly string[], now: Date): CertAndKey | undefined {
  if (existing === undefined) return undefined;
  const client = currentContextClient(existing);
  if (client === undefined || client.ca !== bundle.certs.os.crt) return undefined;
  const summary = certificateSummary(client.crt);
  if (summary === undefined || renewalDue(summary, now)) return undefined;
  const ca = new X509Certificate(bundle.certs.os.crt);
  if (!summary.certificate.verify(ca.publicKey)) return undefined;
  if (summary.organizations.join(",") !== roles.join(",")) return undefined;
  return { crt: client.crt, key: client.key };
}

interface ContextClient extends CertAndKey {
  readonly ca: string;
}

function currentContextClient(text: string): ContextClient | undefined {
  let doc: unknown;
  try {
    doc = parse(text, { schema: "failsafe" });
  } catch {
    return undefined;
  }
  if (!isRecord(doc) || typeof doc.context !== "string" || !isRecord(doc.contexts)) return undefined;
  const context = doc.contexts[doc.context];
  if (!isRecord(context)) return undefined;
  const { ca, crt, key } = context;
  if (typeof ca !== "string" || typeof crt !== "string" || typeof key !== "string") return undefined;
  return { ca: unbase64(ca), crt: unbase64(crt), key: unbase64(key) };
}
