import { X509Certificate } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  KeyUsage,
  SubjectKeyIdentifier,
} from "@peculiar/asn1-x509";

/** What the tests check in a certificate, read from its DER independently of the code under test. */
export interface CertificateFacts {
  readonly x509: X509Certificate;
  readonly version: number;
  readonly serialHex: string;
  readonly signatureOid: string;
  /** Subject attributes in DER order: [type OID, ASN.1 string kind, value]. */
  readonly subject: readonly (readonly [string, string, string])[];
  readonly issuerDerHex: string;
  readonly subjectDerHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Extension OIDs in certificate order with their criticality. */
  readonly extensions: readonly { readonly oid: string; readonly critical: boolean }[];
  readonly keyUsageBits: number | undefined;
  readonly keyUsageDerHex: string | undefined;
  readonly extKeyUsage: readonly string[] | undefined;
  readonly basicConstraintsDerHex: string | undefined;
  readonly isCA: boolean | undefined;
  readonly subjectKeyIdHex: string | undefined;
  readonly authorityKeyIdHex: string | undefined;
}

export const OID = {
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  basicConstraints: "2.5.29.19",
  subjectKeyId: "2.5.29.14",
  authorityKeyId: "2.5.29.35",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  organization: "2.5.4.10",
  commonName: "2.5.4.3",
  ed25519: "1.3.101.112",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
} as const;

export function inspectCertificate(pem: string): CertificateFacts {
  const x509 = new X509Certificate(pem);
  const cert = AsnConvert.parse(x509.raw, Certificate);
  const tbs = cert.tbsCertificate;
  const ext = (oid: string) => tbs.extensions?.find((e) => e.extnID === oid);
  const keyUsage = ext(OID.keyUsage);
  const eku = ext(OID.extKeyUsage);
  const bc = ext(OID.basicConstraints);
  const ski = ext(OID.subjectKeyId);
  const aki = ext(OID.authorityKeyId);
  const hex = (b: ArrayBuffer) => Buffer.from(b).toString("hex");
  return {
    x509,
    version: tbs.version,
    serialHex: hex(tbs.serialNumber),
    signatureOid: cert.signatureAlgorithm.algorithm,
    subject: tbs.subject.flatMap((rdn) =>
      rdn.map((atv) => {
        const kind = atv.value.printableString !== undefined ? "printable" : atv.value.utf8String !== undefined ? "utf8" : "other";
        return [atv.type, kind, atv.value.toString()] as const;
      }),
    ),
    issuerDerHex: hex(AsnConvert.serialize(tbs.issuer)),
    subjectDerHex: hex(AsnConvert.serialize(tbs.subject)),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    extensions: (tbs.extensions ?? []).map((e) => ({ oid: e.extnID, critical: e.critical })),
    keyUsageBits: keyUsage ? AsnConvert.parse(keyUsage.extnValue.buffer, KeyUsage).toNumber() : undefined,
    keyUsageDerHex: keyUsage ? hex(keyUsage.extnValue.buffer) : undefined,
    extKeyUsage: eku ? [...AsnConvert.parse(eku.extnValue.buffer, ExtendedKeyUsage)] : undefined,
    basicConstraintsDerHex: bc ? hex(bc.extnValue.buffer) : undefined,
    isCA: bc ? AsnConvert.parse(bc.extnValue.buffer, BasicConstraints).cA : undefined,
    subjectKeyIdHex: ski ? hex(AsnConvert.parse(ski.extnValue.buffer, SubjectKeyIdentifier).buffer) : undefined,
    authorityKeyIdHex: aki ? hex(AsnConvert.parse(aki.extnValue.buffer, AuthorityKeyIdentifier).keyIdentifier!.buffer) : undefined,
  };
}

/** Seconds precision, as certificates store time. */
export function truncateToSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
