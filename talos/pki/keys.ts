import { type KeyObject, generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import { PEM_EC_PRIVATE_KEY, PEM_ED25519_PRIVATE_KEY, PEM_RSA_PRIVATE_KEY, encodePem } from "../pem";

const generateKeyPairAsync = promisify(generateKeyPair);

/** The key types Talos's PKI uses: Ed25519 (Talos API), ECDSA P-256 (etcd, Kubernetes), RSA-4096 (service accounts). */
export type KeyAlgorithm = "ed25519" | "ecdsa-p256" | "rsa-4096";

export interface GeneratedKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The private key as Talos writes it (see privateKeyPem). */
  readonly pem: string;
}

/** Generates a key pair off the main thread (RSA-4096 takes hundreds of milliseconds). */
export async function generateKey(algorithm: KeyAlgorithm): Promise<GeneratedKey> {
  const { privateKey, publicKey } =
    algorithm === "ed25519"
      ? await generateKeyPairAsync("ed25519")
      : algorithm === "ecdsa-p256"
        ? await generateKeyPairAsync("ec", { namedCurve: "P-256" })
        : await generateKeyPairAsync("rsa", { modulusLength: 4096, publicExponent: 0x10001 });
  return { privateKey, publicKey, pem: privateKeyPem(privateKey) };
}

/**
 * Encodes a private key with the PEM label and DER body Talos uses: `EC PRIVATE KEY` (SEC1),
 * `RSA PRIVATE KEY` (PKCS#1), or `ED25519 PRIVATE KEY` around PKCS#8.
 */
export function privateKeyPem(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case "ed25519":
      return encodePem(PEM_ED25519_PRIVATE_KEY, key.export({ type: "pkcs8", format: "der" }));
    case "ec":
      return encodePem(PEM_EC_PRIVATE_KEY, key.export({ type: "sec1", format: "der" }));
    case "rsa":
      return encodePem(PEM_RSA_PRIVATE_KEY, key.export({ type: "pkcs1", format: "der" }));
    default:
      throw new Error(`unsupported private key type "${String(key.asymmetricKeyType)}": Talos uses ed25519, ec or rsa`);
  }
}
