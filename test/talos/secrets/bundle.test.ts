import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { contractFor } from "../../../talos/contract";
import { generateSecretsBundle } from "../../../talos/secrets-bundle";
import { validateSecretsBundle } from "../../../talos/secrets-validate";
import type { SecretsBundle } from "../../../talos/types";
import { OID, inspectCertificate, truncateToSeconds } from "./cert-inspect";

/** Key generation is slow on a loaded machine (RSA-4096). */
const BUNDLE_TIMEOUT_MS = 60_000;

const NOW = new Date("2025-06-01T12:34:56.789Z");
const TEN_YEARS_MS = 87_600 * 3_600_000;
const TOKEN = /^[0-9a-z]{6}\.[0-9a-z]{16}$/;

function pemLabel(pem: string): string {
  return /^-----BEGIN ([A-Z0-9 ]+)-----\n/.exec(pem)?.[1] ?? "none";
}

/** Node refuses Talos's ED25519 label, so tests read the PKCS#8 body under the standard label. */
function nodeKey(pem: string) {
  return createPrivateKey(pem.replace(/ED25519 PRIVATE KEY/g, "PRIVATE KEY"));
}

describe.each(["v1.11.5", "v1.12.0"])("generateSecretsBundle for %s", (version) => {
  let bundle: SecretsBundle;
  beforeAll(async () => {
    bundle = await generateSecretsBundle(contractFor(version), NOW);
  }, BUNDLE_TIMEOUT_MS);

  it("draws cluster id/secret, tokens and a secretbox secret in Talos's formats", () => {
    expect(bundle.cluster.id).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(Buffer.from(bundle.cluster.id, "base64url")).toHaveLength(32);
    expect(bundle.cluster.secret).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(bundle.cluster.secret, "base64")).toHaveLength(32);
    expect(bundle.secrets.bootstrapToken).toMatch(TOKEN);
    expect(bundle.trustdInfo.token).toMatch(TOKEN);
    expect(bundle.secrets.secretboxEncryptionSecret).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(bundle.secrets.aescbcEncryptionSecret).toBeUndefined();
  });

  it.each([
    ["etcd", [[OID.organization, "printable", "etcd"]], "EC PRIVATE KEY", "ec", OID.ecdsaWithSha256],
    ["k8s", [[OID.organization, "printable", "kubernetes"]], "EC PRIVATE KEY", "ec", OID.ecdsaWithSha256],
    ["k8sAggregator", [], "EC PRIVATE KEY", "ec", OID.ecdsaWithSha256],
    ["os", [[OID.organization, "printable", "talos"]], "ED25519 PRIVATE KEY", "ed25519", OID.ed25519],
  ] as const)("certs.%s is a self-signed CA laid out as siderolabs/crypto makes it", (entry, subject, label, keyType, sigOid) => {
    const pair = bundle.certs[entry];
    const facts = inspectCertificate(pair.crt);
    expect(facts.version).toBe(2);
    expect(facts.subject).toEqual(subject);
    expect(facts.issuerDerHex).toBe(facts.subjectDerHex);
    expect(facts.signatureOid).toBe(sigOid);
    expect(facts.x509.verify(facts.x509.publicKey)).toBe(true);
    // random serial < 2^128: at most 16 bytes plus a sign byte
    expect(BigInt(`0x${facts.serialHex}`) < 1n << 128n).toBe(true);
    expect(facts.notBefore).toEqual(truncateToSeconds(NOW));
    expect(facts.notAfter).toEqual(truncateToSeconds(new Date(NOW.getTime() + TEN_YEARS_MS)));
    expect(facts.extensions).toEqual([
      { oid: OID.keyUsage, critical: true },
      { oid: OID.extKeyUsage, critical: false },
      { oid: OID.basicConstraints, critical: true },
      { oid: OID.subjectKeyId, critical: false },
    ]);
    expect(facts.keyUsageDerHex).toBe("03020284"); // digitalSignature | keyCertSign, Go's trimmed bit string
    expect(facts.extKeyUsage).toEqual([OID.serverAuth, OID.clientAuth]);
    expect(facts.basicConstraintsDerHex).toBe("30030101ff"); // CA:TRUE, no path length
    expect(facts.subjectKeyIdHex).toHaveLength(40);
    expect(facts.authorityKeyIdHex).toBeUndefined();

    expect(pemLabel(pair.crt)).toBe("CERTIFICATE");
    expect(pemLabel(pair.key)).toBe(label);
    expect(pair.crt.endsWith("-----END CERTIFICATE-----\n")).toBe(true);
    expect(pair.crt.split("\n").every((line) => line.length <= 64)).toBe(true);
    const key = nodeKey(pair.key);
    expect(key.asymmetricKeyType).toBe(keyType);
    if (keyType === "ec") expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(createPublicKey(key).export({ type: "spki", format: "der" })).toEqual(
      facts.x509.publicKey.export({ type: "spki", format: "der" }),
    );
  });

  it("certs.k8sServiceAccount is an RSA-4096 PKCS#1 key", () => {
    const pem = bundle.certs.k8sServiceAccount.key;
    expect(pemLabel(pem)).toBe("RSA PRIVATE KEY");
    const key = createPrivateKey(pem);
    expect(key.asymmetricKeyType).toBe("rsa");
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(key.asymmetricKeyDetails?.publicExponent).toBe(65537n);
  });

  it("uses fresh random material for every CA", () => {
    const cas = [bundle.certs.etcd, bundle.certs.k8s, bundle.certs.k8sAggregator, bundle.certs.os].map((p) => inspectCertificate(p.crt));
    expect(new Set(cas.map((c) => c.serialHex)).size).toBe(4);
    expect(new Set(cas.map((c) => c.subjectKeyIdHex)).size).toBe(4);
    expect(bundle.secrets.bootstrapToken).not.toBe(bundle.trustdInfo.token);
  });

  it("passes our own validation", () => {
    expect(() => validateSecretsBundle(bundle, NOW)).not.toThrow();
  });
});

describe("generateSecretsBundle defaults", () => {
  it("uses the current time when none is given", async () => {
    const before = truncateToSeconds(new Date());
    const bundle = await generateSecretsBundle(contractFor("v1.11.5"));
    const notBefore = new Date(new X509Certificate(bundle.certs.os.crt).validFrom);
    expect(notBefore.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(notBefore.getTime()).toBeLessThanOrEqual(Date.now());
  });
});
