import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  Certificate,
  Extension,
  Extensions,
  ExtendedKeyUsage,
  GeneralName,
  Name,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_extKeyUsage,
  id_ce_subjectAltName,
  id_kp_serverAuth,
} from "@peculiar/asn1-x509";
import { createSelfSignedCa, issueLeafCertificate, loadCa } from "../../../talos/pki/certificate-authority";
import type { ExtKeyUsageName } from "../../../talos/pki/certificate";
import { toNodePrivateKeyPem } from "../../../talos/pem";
import type { CertAndKey } from "../../../talos/types";

const DAY_MS = 86_400_000;

/** A Talos-like API CA: Ed25519, O=talos, key under the `ED25519 PRIVATE KEY` label. */
export function makeTalosCa(): Promise<CertAndKey> {
  return createSelfSignedCa({ algorithm: "ed25519", organization: "talos", now: new Date(Date.now() - 60_000) });
}

/** A client certificate as Talos issues the admin one (O = roles), with the given ExtKeyUsage. */
export function issueClientCertificate(
  ca: CertAndKey,
  roles: readonly string[] = ["os:admin"],
  extKeyUsage: readonly ExtKeyUsageName[] = ["clientAuth"],
): Promise<CertAndKey> {
  const now = Date.now();
  return issueLeafCertificate(loadCa(ca, "ca"), {
    subject: { organizations: roles },
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + DAY_MS),
    keyUsage: ["digitalSignature"],
    extKeyUsage,
  });
}

/**
 * A server certificate for 127.0.0.1 signed by `ca` (Ed25519), for a local grpc-js server standing in
 * for apid. Test-only: production never issues server certificates.
 */
export function issueLoopbackServerCertificate(ca: CertAndKey): CertAndKey {
  const caCert = new X509Certificate(ca.crt);
  const caKey = createPrivateKey(toNodePrivateKeyPem(ca.key));
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const algorithm = new AlgorithmIdentifier({ algorithm: "1.3.101.112" });
  const san = new SubjectAlternativeName([new GeneralName({ iPAddress: "127.0.0.1" })]);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: Uint8Array.from([0x01, ...randomBytes(8)]).buffer,
    signature: algorithm,
    issuer: AsnConvert.parse(caCert.raw, Certificate).tbsCertificate.subject,
    validity: new Validity({ notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + DAY_MS) }),
    subject: new Name([]),
    subjectPublicKeyInfo: AsnConvert.parse(publicKey.export({ type: "spki", format: "der" }), SubjectPublicKeyInfo),
    extensions: new Extensions([
      new Extension({ extnID: id_ce_subjectAltName, critical: true, extnValue: new OctetString(AsnConvert.serialize(san)) }),
      new Extension({
        extnID: id_ce_extKeyUsage,
        critical: false,
        extnValue: new OctetString(AsnConvert.serialize(new ExtendedKeyUsage([id_kp_serverAuth]))),
      }),
    ]),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const certificate = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: algorithm,
    signatureValue: Uint8Array.from(sign(null, tbsDer, caKey)).buffer,
  });
  const der = Buffer.from(AsnConvert.serialize(certificate));
  const crt = `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "")}\n-----END CERTIFICATE-----\n`;
  return { crt, key: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}
