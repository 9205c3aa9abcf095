import { generateKeyPairSync } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { contractFor } from "../../../talos/contract";
import { createCertificate } from "../../../talos/pki/certificate";
import { createSelfSignedCa, issueLeafCertificate, loadCa } from "../../../talos/pki/certificate-authority";
import { privateKeyPem } from "../../../talos/pki/keys";
import { generateSecretsBundle } from "../../../talos/secrets-bundle";
import { SecretsBundleError, validateSecretsBundle } from "../../../talos/secrets-validate";
import type { SecretsBundle } from "../../../talos/types";

/** Key generation is slow on a loaded machine (RSA-4096). */
const BUNDLE_TIMEOUT_MS = 60_000;

const NOW = new Date("2025-06-01T00:00:00Z");
let good: SecretsBundle;

beforeAll(async () => {
  good = await generateSecretsBundle(contractFor("v1.11.5"), NOW);
}, BUNDLE_TIMEOUT_MS);

type Edit = (b: SecretsBundle) => SecretsBundle;
const withCerts = (b: SecretsBundle, certs: Partial<SecretsBundle["certs"]>): SecretsBundle => ({ ...b, certs: { ...b.certs, ...certs } });

function problemsOf(bundle: SecretsBundle, now = NOW): readonly string[] {
  try {
    validateSecretsBundle(bundle, now);
  } catch (error) {
    expect(error).toBeInstanceOf(SecretsBundleError);
    return (error as SecretsBundleError).problems;
  }
  return [];
}

describe("validateSecretsBundle", () => {
  it("accepts a generated bundle", () => {
    expect(problemsOf(good)).toEqual([]);
  });

  it.each<[string, Edit, string]>([
    ["missing cluster id", (b) => ({ ...b, cluster: { ...b.cluster, id: "" } }), "cluster.id: required (32 random bytes, URL-safe base64)"],
    ["non-base64 cluster id", (b) => ({ ...b, cluster: { ...b.cluster, id: "not base64!" } }), "cluster.id: not base64: regenerate the bundle or restore it from backup"],
    ["missing cluster secret", (b) => ({ ...b, cluster: { ...b.cluster, secret: "" } }), "cluster.secret: required (32 random bytes, standard base64)"],
    [
      "URL-safe cluster secret",
      (b) => ({ ...b, cluster: { ...b.cluster, secret: "ab_-" } }),
      "cluster.secret: not standard base64 (expected 32 random bytes encoded with A-Z a-z 0-9 + / and = padding)",
    ],
    ["missing bootstrap token", (b) => ({ ...b, secrets: { ...b.secrets, bootstrapToken: "" } }), "secrets.bootstraptoken: required (format [0-9a-z]{6}.[0-9a-z]{16})"],
    [
      "malformed bootstrap token (secret part masked)",
      (b) => ({ ...b, secrets: { ...b.secrets, bootstrapToken: "ABCDEF.0123456789abcdef" } }),
      'secrets.bootstraptoken: "ABCDEF.xxxxxxxxxxxxxxxx" does not match [0-9a-z]{6}.[0-9a-z]{16} (six and sixteen lower-case letters or digits joined by a dot)',
    ],
    [
      "malformed trustd token",
      (b) => ({ ...b, trustdInfo: { token: "abc.def" } }),
      'trustdinfo.token: "xxx.xxx" does not match [0-9a-z]{6}.[0-9a-z]{16} (six and sixteen lower-case letters or digits joined by a dot)',
    ],
    ["missing trustd token", (b) => ({ ...b, trustdInfo: { token: "" } }), "trustdinfo.token: required (format [0-9a-z]{6}.[0-9a-z]{16})"],
    [
      "no encryption secret",
      (b) => ({ ...b, secrets: { bootstrapToken: b.secrets.bootstrapToken } }),
      "secrets: exactly one of secretboxencryptionsecret or aescbcencryptionsecret is required, neither is set",
    ],
    [
      "both encryption secrets",
      (b) => ({ ...b, secrets: { ...b.secrets, aescbcEncryptionSecret: b.secrets.secretboxEncryptionSecret } }),
      "secrets: exactly one of secretboxencryptionsecret or aescbcencryptionsecret is required, both are set: keep the one the cluster was created with",
    ],
    [
      "short secretbox secret",
      (b) => ({ ...b, secrets: { ...b.secrets, secretboxEncryptionSecret: Buffer.alloc(16).toString("base64") } }),
      "secrets.secretboxencryptionsecret: decodes to 16 bytes, the encryption key must be 32 bytes",
    ],
    [
      "non-base64 aescbc secret",
      (b) => ({ ...b, secrets: { bootstrapToken: b.secrets.bootstrapToken, aescbcEncryptionSecret: "%%%%" } }),
      "secrets.aescbcencryptionsecret: not standard base64 (expected 32 random bytes encoded with A-Z a-z 0-9 + / and = padding)",
    ],
    ["os key is not PEM", (b) => withCerts(b, { os: { ...b.certs.os, key: "garbage" } }), "certs.os.key: not a PEM private key"],
    [
      "os key is a certificate",
      (b) => withCerts(b, { os: { ...b.certs.os, key: b.certs.os.crt } }),
      'certs.os.key: not a PEM private key (found a "CERTIFICATE" block)',
    ],
    [
      "corrupt key body",
      (b) => withCerts(b, { k8s: { ...b.certs.k8s, key: "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n" } }),
      'certs.k8s.key: not a PEM private key (the "EC PRIVATE KEY" block does not parse)',
    ],
    ["missing etcd key", (b) => withCerts(b, { etcd: { ...b.certs.etcd, key: "" } }), "certs.etcd.key: required (a PEM private key)"],
    [
      "redacted key",
      (b) => withCerts(b, { etcd: { ...b.certs.etcd, key: "******" } }),
      'certs.etcd.key: redacted ("******"): restore the real key from the unredacted secrets.yaml',
    ],
    ["missing aggregator crt", (b) => withCerts(b, { k8sAggregator: { ...b.certs.k8sAggregator, crt: "" } }), "certs.k8saggregator.crt: required (a PEM certificate)"],
    [
      "crt holds a key",
      (b) => withCerts(b, { k8sAggregator: { ...b.certs.k8sAggregator, crt: b.certs.k8sAggregator.key } }),
      'certs.k8saggregator.crt: not a PEM certificate (found a "EC PRIVATE KEY" block)',
    ],
    [
      "swapped keys",
      (b) => withCerts(b, { etcd: { crt: b.certs.etcd.crt, key: b.certs.k8s.key } }),
      "certs.etcd: the key does not match the certificate's public key: restore the pair from one backup",
    ],
    ["service-account key missing", (b) => withCerts(b, { k8sServiceAccount: { key: "" } }), "certs.k8sserviceaccount.key: required (a PEM private key)"],
    [
      "service-account key is Ed25519",
      (b) => withCerts(b, { k8sServiceAccount: { key: b.certs.os.key } }),
      "certs.k8sserviceaccount.key: a ed25519 key; Kubernetes signs service-account tokens with an RSA or ECDSA key",
    ],
  ])("reports %s", (_name, edit, message) => {
    expect(problemsOf(edit(good))).toEqual([message]);
  });

  it("reports an expired CA and a CA not yet valid", async () => {
    const old = await createSelfSignedCa({ algorithm: "ecdsa-p256", organization: "etcd", now: new Date("2010-01-01T00:00:00Z") });
    expect(problemsOf(withCerts(good, { etcd: old }))).toEqual([
      "certs.etcd.crt: expired on 2019-12-30T00:00:00.000Z: rotate the CA (talosctl rotate-ca) before using this bundle",
    ]);
    expect(problemsOf(good, new Date("2025-05-31T23:59:00Z"))).toContain(
      "certs.etcd.crt: not valid before 2025-06-01T00:00:00.000Z (check this machine's clock)",
    );
  });

  it("reports a leaf certificate where a CA belongs", async () => {
    const leaf = await issueLeafCertificate(loadCa(good.certs.k8s, "certs.k8s"), {
      subject: { commonName: "not-a-ca" },
      notBefore: NOW,
      notAfter: new Date("2030-01-01T00:00:00Z"),
      keyUsage: ["digitalSignature"],
      extKeyUsage: ["clientAuth"],
    });
    expect(problemsOf(withCerts(good, { k8s: leaf }))).toEqual(["certs.k8s.crt: not a CA certificate (BasicConstraints CA:TRUE is missing)"]);
  });

  it("reports a CA whose KeyUsage cannot sign certificates", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const crt = createCertificate(
      {
        serialNumber: Buffer.from([1]),
        subject: { organizations: ["talos"] },
        notBefore: NOW,
        notAfter: new Date("2030-01-01T00:00:00Z"),
        publicKey,
        keyUsage: ["digitalSignature"],
        extKeyUsage: ["serverAuth", "clientAuth"],
        isCA: true,
      },
      { privateKey },
    );
    expect(problemsOf(withCerts(good, { os: { crt, key: privateKeyPem(privateKey) } }))).toEqual([
      "certs.os.crt: the CA's KeyUsage lacks keyCertSign, so it cannot sign certificates",
    ]);
  });

  it("lists every problem at once, one line each, in the error message", () => {
    const broken: SecretsBundle = {
      ...good,
      cluster: { id: "", secret: "" },
      trustdInfo: { token: "" },
    };
    expect(() => validateSecretsBundle(broken, NOW)).toThrow(
      "secrets bundle is invalid:\n  - cluster.id: required (32 random bytes, URL-safe base64)\n  - cluster.secret: required (32 random bytes, standard base64)\n  - trustdinfo.token: required (format [0-9a-z]{6}.[0-9a-z]{16})",
    );
  });

  it("never puts a secret value in its messages", () => {
    const broken: SecretsBundle = {
      ...good,
      secrets: { bootstrapToken: "abcdefg.0123456789abcdef", secretboxEncryptionSecret: "c2hvcnQ=" },
    };
    const text = problemsOf(broken).join("\n");
    expect(text).not.toContain("0123456789abcdef");
    expect(text).not.toContain("c2hvcnQ=");
  });
});
