import { type KeyObject, X509Certificate, createPublicKey } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  BasicConstraints,
  Certificate,
  type Extension,
  KeyUsage,
  KeyUsageFlags,
  id_ce_basicConstraints,
  id_ce_keyUsage,
} from "@peculiar/asn1-x509";
import type { CertAndKey, SecretsBundle } from "./types";
import { createPrivateKeyFromTalosPem, decodePem } from "./pem";
import { BOOTSTRAP_TOKEN_PATTERN } from "./pki/random";
import { REDACTED } from "./secrets-yaml";

/** Every problem found in a secrets bundle, one line each, naming the field. */
export class SecretsBundleError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`secrets bundle is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "SecretsBundleError";
  }
}

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ANY_BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}==|[A-Za-z0-9+/_-]{3}=|[A-Za-z0-9+/_-]{2,3})?$/;
const CA_ENTRIES = [
  ["etcd", "etcd"],
  ["k8s", "k8s"],
  ["k8sAggregator", "k8saggregator"],
  ["os", "os"],
] as const;

/**
 * Checks a loaded bundle as Talos's Bundle.Validate does (every field present, exactly one encryption
 * secret, every certificate and key parseable) and further: token and secret formats, each key matching
 * its certificate, each CA being a CA that may sign certificates, and no CA expired at `now`.
 * Throws a SecretsBundleError listing every problem.
 */
export function validateSecretsBundle(bundle: SecretsBundle, now: Date = new Date()): void {
  const problems: string[] = [];

  if (empty(bundle.cluster.id)) problems.push("cluster.id: required (32 random bytes, URL-safe base64)");
  else if (!ANY_BASE64.test(bundle.cluster.id)) problems.push("cluster.id: not base64: regenerate the bundle or restore it from backup");
  checkSecret(bundle.cluster.secret, "cluster.secret", problems, false);

  checkToken(bundle.secrets.bootstrapToken, "secrets.bootstraptoken", problems);
  const secretbox = bundle.secrets.secretboxEncryptionSecret;
  const aescbc = bundle.secrets.aescbcEncryptionSecret;
  if (empty(secretbox) && empty(aescbc)) {
    problems.push("secrets: exactly one of secretboxencryptionsecret or aescbcencryptionsecret is required, neither is set");
  } else if (!empty(secretbox) && !empty(aescbc)) {
    problems.push(
      "secrets: exactly one of secretboxencryptionsecret or aescbcencryptionsecret is required, both are set: keep the one the cluster was created with",
    );
  }
  if (!empty(secretbox)) checkSecret(secretbox, "secrets.secretboxencryptionsecret", problems, true);
  if (!empty(aescbc)) checkSecret(aescbc, "secrets.aescbcencryptionsecret", problems, true);

  checkToken(bundle.trustdInfo.token, "trustdinfo.token", problems);

  for (const [property, field] of CA_ENTRIES) {
    checkCa(bundle.certs[property], `certs.${field}`, now, problems);
  }
  checkServiceAccountKey(bundle.certs.k8sServiceAccount.key, problems);

  if (problems.length > 0) throw new SecretsBundleError(problems);
}

function empty(value: string | undefined): value is undefined | "" {
  return value === undefined || value === "";
}

function checkToken(token: string, field: string, problems: string[]): void {
  if (empty(token)) problems.push(`${field}: required (format [0-9a-z]{6}.[0-9a-z]{16})`);
  else if (!BOOTSTRAP_TOKEN_PATTERN.test(token)) {
    problems.push(`${field}: "${maskToken(token)}" does not match [0-9a-z]{6}.[0-9a-z]{16} (six and sixteen lower-case letters or digits joined by a dot)`);
  }
}

/** Shows only the token's shape, never its secret part. */
function maskToken(token: string): string {
  return token.replace(/[0-9a-z]/g, "x");
}

function checkSecret(value: string, field: string, problems: string[], mustBe32Bytes: boolean): void {
  if (empty(value)) {
    problems.push(`${field}: required (32 random bytes, standard base64)`);
    return;
  }
  if (!STD_BASE64.test(value)) {
    problems.push(`${field}: not standard base64 (expected 32 random bytes encoded with A-Z a-z 0-9 + / and = padding)`);
    return;
  }
  const length = Buffer.from(value, "base64").length;
  if (mustBe32Bytes && length !== 32) {
    problems.push(`${field}: decodes to ${length} bytes, the encryption key must be 32 bytes`);
  }
}

function checkCa(pair: CertAndKey, field: string, now: Date, problems: string[]): void {
  const certificate = parseCertificate(pair.crt, `${field}.crt`, problems);
  const key = parsePrivateKey(pair.key, `${field}.key`, problems);
  if (certificate === undefined) return;

  if (key !== undefined && !sameKey(certificate, key)) {
    problems.push(`${field}: the key does not match the certificate's public key: restore the pair from one backup`);
  }
  const extensions = AsnConvert.parse(certificate.raw, Certificate).tbsCertificate.extensions ?? [];
  if (!isCaCertificate(extensions)) {
    problems.push(`${field}.crt: not a CA certificate (BasicConstraints CA:TRUE is missing)`);
  } else if (!canSignCertificates(extensions)) {
    problems.push(`${field}.crt: the CA's KeyUsage lacks keyCertSign, so it cannot sign certificates`);
  }
  const notAfter = new Date(certificate.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    problems.push(`${field}.crt: expired on ${notAfter.toISOString()}: rotate the CA (talosctl rotate-ca) before using this bundle`);
  }
  const notBefore = new Date(certificate.validFrom);
  if (notBefore.getTime() > now.getTime()) {
    problems.push(`${field}.crt: not valid before ${notBefore.toISOString()} (check this machine's clock)`);
  }
}

function checkServiceAccountKey(pem: string, problems: string[]): void {
  const key = parsePrivateKey(pem, "certs.k8sserviceaccount.key", problems);
  if (key !== undefined && key.asymmetricKeyType !== "rsa" && key.asymmetricKeyType !== "ec") {
    problems.push(
      `certs.k8sserviceaccount.key: a ${String(key.asymmetricKeyType)} key; Kubernetes signs service-account tokens with an RSA or ECDSA key`,
    );
  }
}

function parseCertificate(pem: string, field: string, problems: string[]): X509Certificate | undefined {
  if (empty(pem)) {
    problems.push(`${field}: required (a PEM certificate)`);
    return undefined;
  }
  const block = decodePem(pem);
  if (block === undefined || block.label !== "CERTIFICATE") {
    problems.push(`${field}: not a PEM certificate${block === undefined ? "" : ` (found a "${block.label}" block)`}`);
    return undefined;
  }
  try {
    return new X509Certificate(block.der);
  } catch (error) {
    problems.push(`${field}: not a PEM certificate (${(error as Error).message})`);
    return undefined;
  }
}

function parsePrivateKey(pem: string, field: string, problems: string[]): KeyObject | undefined {
  if (empty(pem)) {
    problems.push(`${field}: required (a PEM private key)`);
    return undefined;
  }
  if (pem === REDACTED) {
    problems.push(`${field}: redacted ("${REDACTED}"): restore the real key from the unredacted secrets.yaml`);
    return undefined;
  }
  const block = decodePem(pem);
  if (block === undefined || !block.label.endsWith("PRIVATE KEY")) {
    problems.push(`${field}: not a PEM private key${block === undefined ? "" : ` (found a "${block.label}" block)`}`);
    return undefined;
  }
  try {
    return createPrivateKeyFromTalosPem(pem);
  } catch {
    problems.push(`${field}: not a PEM private key (the "${block.label}" block does not parse)`);
    return undefined;
  }
}

function sameKey(certificate: X509Certificate, key: KeyObject): boolean {
  const fromKey = createPublicKey(key).export({ type: "spki", format: "der" });
  const fromCert = certificate.publicKey.export({ type: "spki", format: "der" });
  return fromKey.equals(fromCert);
}

/** Read from the DER: Node's `ca` (OpenSSL X509_check_ca) also says false when KeyUsage lacks keyCertSign. */
function isCaCertificate(extensions: readonly Extension[]): boolean {
  const extension = extensions.find((e) => e.extnID === id_ce_basicConstraints);
  return extension !== undefined && AsnConvert.parse(extension.extnValue.buffer, BasicConstraints).cA;
}

function canSignCertificates(extensions: readonly Extension[]): boolean {
  const extension = extensions.find((e) => e.extnID === id_ce_keyUsage);
  if (extension === undefined) return true;
  const usage = AsnConvert.parse(extension.extnValue.buffer, KeyUsage);
  return (usage.toNumber() & KeyUsageFlags.keyCertSign) !== 0;
}
