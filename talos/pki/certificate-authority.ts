import { type KeyObject, X509Certificate } from "node:crypto";
import type { CertAndKey } from "../types";
import { createPrivateKeyFromTalosPem } from "../pem";
import { type ExtKeyUsageName, type KeyUsageName, type SubjectName, createCertificate, subjectKeyIdOf, subjectNameDer } from "./certificate";
import { type KeyAlgorithm, generateKey } from "./keys";
import { randomSerialNumber, randomSubjectKeyId } from "./random";

const HOUR_MS = 3_600_000;
/** secrets.CAValidityTime: 87600h (ten years of 365 days). */
export const CA_VALIDITY_MS = 87_600 * HOUR_MS;

export interface SelfSignedCaOptions {
  readonly algorithm: Exclude<KeyAlgorithm, "rsa-4096">;
  /** The only subject attribute: siderolabs/crypto's CA template drops the common name. */
  readonly organization?: string;
  readonly now: Date;
  readonly validityMs?: number;
}

/**
 * A self-signed CA as siderolabs/crypto NewSelfSignedCertificateAuthority makes it: random serial and
 * 20-byte SubjectKeyId, NotBefore = now, KeyUsage digitalSignature|keyCertSign, ExtKeyUsage
 * serverAuth+clientAuth, BasicConstraints CA:TRUE.
 */
export async function createSelfSignedCa(options: SelfSignedCaOptions): Promise<CertAndKey> {
  const key = await generateKey(options.algorithm);
  const crt = createCertificate(
    {
      serialNumber: randomSerialNumber(),
      subject: { organizations: options.organization === undefined ? [] : [options.organization] },
      notBefore: options.now,
      notAfter: new Date(options.now.getTime() + (options.validityMs ?? CA_VALIDITY_MS)),
      publicKey: key.publicKey,
      keyUsage: ["digitalSignature", "keyCertSign"],
      extKeyUsage: ["serverAuth", "clientAuth"],
      isCA: true,
      subjectKeyId: randomSubjectKeyId(),
    },
    { privateKey: key.privateKey },
  );
  return { crt, key: key.pem };
}

export interface LoadedCa {
  readonly certificate: X509Certificate;
  readonly privateKey: KeyObject;
}

/** Parses a CA certificate and key; throws naming `field` when either does not parse. */
export function loadCa(pair: CertAndKey, field: string): LoadedCa {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pair.crt);
  } catch (error) {
    throw new Error(`${field}.crt: not a PEM certificate (${(error as Error).message})`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKeyFromTalosPem(pair.key);
  } catch (error) {
    throw new Error(`${field}.key: not a PEM private key (${(error as Error).message})`);
  }
  return { certificate, privateKey };
}

export interface LeafOptions {
  readonly subject: SubjectName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly keyUsage: readonly KeyUsageName[];
  readonly extKeyUsage: readonly ExtKeyUsageName[];
}

/**
 * Issues a leaf certificate with a fresh key of the CA's algorithm (siderolabs/crypto NewKeyPair:
 * Ed25519 under an Ed25519 CA, ECDSA P-256 under an ECDSA CA, RSA-4096 under an RSA CA).
 */
export async function issueLeafCertificate(ca: LoadedCa, options: LeafOptions): Promise<CertAndKey> {
  const key = await generateKey(leafAlgorithmFor(ca.privateKey));
  const crt = createCertificate(
    {
      serialNumber: randomSerialNumber(),
      subject: options.subject,
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      publicKey: key.publicKey,
      keyUsage: options.keyUsage,
      extKeyUsage: options.extKeyUsage,
      isCA: false,
    },
    { nameDer: subjectNameDer(ca.certificate), subjectKeyId: subjectKeyIdOf(ca.certificate), privateKey: ca.privateKey },
  );
  return { crt, key: key.pem };
}

function leafAlgorithmFor(caKey: KeyObject): KeyAlgorithm {
  switch (caKey.asymmetricKeyType) {
    case "ed25519":
      return "ed25519";
    case "ec":
      return "ecdsa-p256";
    case "rsa":
      return "rsa-4096";
    default:
      throw new Error(`unsupported CA key type "${String(caKey.asymmetricKeyType)}": expected ed25519, ec or rsa`);
  }
}
