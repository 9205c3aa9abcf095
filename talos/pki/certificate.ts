import { type KeyObject, X509Certificate, sign } from "node:crypto";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
} from "@peculiar/asn1-x509";
import { PEM_CERTIFICATE, encodePem } from "../pem";

/** Subject fields Talos sets; emitted in Go's pkix.Name order (O before CN), several O values in one RDN. */
export interface SubjectName {
  readonly organizations?: readonly string[];
  readonly commonName?: string;
}

export type KeyUsageName = "digitalSignature" | "keyEncipherment" | "keyCertSign";
export type ExtKeyUsageName = "serverAuth" | "clientAuth";

export interface CertificateTemplate {
  /** Big-endian unsigned serial number bytes. */
  readonly serialNumber: Uint8Array;
  readonly subject: SubjectName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: KeyObject;
  readonly keyUsage: readonly KeyUsageName[];
  readonly extKeyUsage: readonly ExtKeyUsageName[];
  /** Adds BasicConstraints CA:TRUE (critical, no path length). */
  readonly isCA: boolean;
  readonly subjectKeyId?: Uint8Array;
}

export interface Issuer {
  /** DER of the issuer's Subject Name (for a self-signed certificate, the template's own subject). */
  readonly nameDer?: Uint8Array;
  readonly subjectKeyId?: Uint8Array;
  readonly privateKey: KeyObject;
}

const OID_ORGANIZATION = "2.5.4.10";
const OID_COMMON_NAME = "2.5.4.3";
const OID_ED25519 = "1.3.101.112";
const OID_ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
const OID_SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
const ASN1_NULL = new Uint8Array([0x05, 0x00]).buffer;

const KEY_USAGE_FLAGS: Record<KeyUsageName, number> = {
  digitalSignature: KeyUsageFlags.digitalSignature,
  keyEncipherment: KeyUsageFlags.keyEncipherment,
  keyCertSign: KeyUsageFlags.keyCertSign,
};
const EXT_KEY_USAGE_OIDS: Record<ExtKeyUsageName, string> = { serverAuth: id_kp_serverAuth, clientAuth: id_kp_clientAuth };

/**
 * Builds and signs an X.509 v3 certificate laid out as Go's crypto/x509.CreateCertificate lays out the
 * templates siderolabs/crypto passes it: extensions in Go's order (KeyUsage, ExtKeyUsage,
 * BasicConstraints, SubjectKeyId, AuthorityKeyId), AuthorityKeyId only when issuer != subject.
 * Returns the certificate PEM.
 */
export function createCertificate(template: CertificateTemplate, issuer: Issuer): string {
  const subject = encodeName(template.subject);
  const subjectDer = new Uint8Array(AsnConvert.serialize(subject));
  const issuerDer = issuer.nameDer ?? subjectDer;
  const selfSigned = Buffer.from(issuerDer).equals(Buffer.from(subjectDer));
  const signatureAlgorithm = signatureAlgorithmFor(issuer.privateKey);

  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: positiveInteger(template.serialNumber),
    signature: signatureAlgorithm,
    issuer: AsnConvert.parse(issuerDer, Name),
    validity: new Validity({ notBefore: template.notBefore, notAfter: template.notAfter }),
    subject,
    subjectPublicKeyInfo: AsnConvert.parse(template.publicKey.export({ type: "spki", format: "der" }), SubjectPublicKeyInfo),
    extensions: new Extensions(
      buildExtensions(template, selfSigned ? undefined : issuer.subjectKeyId),
    ),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const certificate = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm,
    signatureValue: signTbs(tbsDer, issuer.privateKey),
  });
  return encodePem(PEM_CERTIFICATE, new Uint8Array(AsnConvert.serialize(certificate)));
}

/** The DER of a certificate's Subject, to name it as the issuer of the certificates it signs. */
export function subjectNameDer(certificate: X509Certificate): Uint8Array {
  const parsed = AsnConvert.parse(certificate.raw, Certificate);
  return new Uint8Array(AsnConvert.serialize(parsed.tbsCertificate.subject));
}

/** The SubjectKeyId extension value of a certificate, if it has one. */
export function subjectKeyIdOf(certificate: X509Certificate): Uint8Array | undefined {
  const parsed = AsnConvert.parse(certificate.raw, Certificate);
  const ext = parsed.tbsCertificate.extensions?.find((e) => e.extnID === id_ce_subjectKeyIdentifier);
  if (ext === undefined) return undefined;
  return new Uint8Array(AsnConvert.parse(ext.extnValue.buffer, SubjectKeyIdentifier).buffer);
}

function buildExtensions(template: CertificateTemplate, authorityKeyId: Uint8Array | undefined): Extension[] {
  const extensions: Extension[] = [];
  if (template.keyUsage.length > 0) {
    const flags = template.keyUsage.reduce((acc, usage) => acc | KEY_USAGE_FLAGS[usage], 0);
    extensions.push(extension(id_ce_keyUsage, true, new KeyUsage(flags)));
  }
  if (template.extKeyUsage.length > 0) {
    extensions.push(extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage(template.extKeyUsage.map((u) => EXT_KEY_USAGE_OIDS[u]))));
  }
  if (template.isCA) {
    extensions.push(extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true })));
  }
  if (template.subjectKeyId !== undefined && template.subjectKeyId.length > 0) {
    extensions.push(extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(toArrayBuffer(template.subjectKeyId))));
  }
  if (authorityKeyId !== undefined && authorityKeyId.length > 0) {
    const aki = new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(toArrayBuffer(authorityKeyId)) });
    extensions.push(extension(id_ce_authorityKeyIdentifier, false, aki));
  }
  return extensions;
}

function extension(extnID: string, critical: boolean, value: object): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** Go's pkix.Name.ToRDNSequence: one RDN per attribute type, O before CN; empty values are left out. */
function encodeName(subject: SubjectName): Name {
  const rdns: RelativeDistinguishedName[] = [];
  const organizations = (subject.organizations ?? []).filter((o) => o !== "");
  if (organizations.length > 0) {
    const values = organizations.map((o) => attribute(OID_ORGANIZATION, o));
    // DER orders a SET OF by the encodings of its elements, as Go's encoding/asn1 does.
    values.sort((a, b) => Buffer.compare(Buffer.from(AsnConvert.serialize(a)), Buffer.from(AsnConvert.serialize(b))));
    rdns.push(new RelativeDistinguishedName(values));
  }
  if (subject.commonName !== undefined && subject.commonName !== "") {
    rdns.push(new RelativeDistinguishedName([attribute(OID_COMMON_NAME, subject.commonName)]));
  }
  return new Name(rdns);
}

/** Go's encoding/asn1 writes a string as PrintableString when it can, UTF8String otherwise. */
function attribute(type: string, value: string): AttributeTypeAndValue {
  const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value);
  return new AttributeTypeAndValue({
    type,
    value: new AttributeValue(printable ? { printableString: value } : { utf8String: value }),
  });
}

function signatureAlgorithmFor(key: KeyObject): AlgorithmIdentifier {
  switch (key.asymmetricKeyType) {
    case "ed25519":
      return new AlgorithmIdentifier({ algorithm: OID_ED25519 });
    case "ec":
      return new AlgorithmIdentifier({ algorithm: OID_ECDSA_WITH_SHA256 });
    case "rsa":
      return new AlgorithmIdentifier({ algorithm: OID_SHA256_WITH_RSA, parameters: ASN1_NULL });
    default:
      throw new Error(`cannot sign with a ${String(key.asymmetricKeyType)} key: the CA key must be ed25519, ec or rsa`);
  }
}

function signTbs(tbsDer: Buffer, key: KeyObject): ArrayBuffer {
  const signature =
    key.asymmetricKeyType === "ed25519"
      ? sign(null, tbsDer, key)
      : key.asymmetricKeyType === "ec"
        ? sign("sha256", tbsDer, { key, dsaEncoding: "der" })
        : sign("sha256", tbsDer, key);
  return toArrayBuffer(signature);
}

/** Minimal DER INTEGER content for an unsigned big-endian number. */
function positiveInteger(bytes: Uint8Array): ArrayBuffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const body = trimmed.length === 0 ? new Uint8Array([0]) : trimmed;
  return toArrayBuffer((body[0] & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), body]) : body);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}
