import { type KeyObject, createPrivateKey } from "node:crypto";

/** PEM labels Talos writes (siderolabs/crypto x509/constants.go). */
export const PEM_CERTIFICATE = "CERTIFICATE";
export const PEM_EC_PRIVATE_KEY = "EC PRIVATE KEY";
export const PEM_RSA_PRIVATE_KEY = "RSA PRIVATE KEY";
export const PEM_PKCS8_PRIVATE_KEY = "PRIVATE KEY";
/** Talos's non-standard label around a PKCS#8 Ed25519 key; OpenSSL (and so Node) refuses it. */
export const PEM_ED25519_PRIVATE_KEY = "ED25519 PRIVATE KEY";

export interface PemBlock {
  readonly label: string;
  readonly der: Buffer;
}

/** Encodes DER as PEM the way Go's encoding/pem does: 64-character lines, trailing newline. */
export function encodePem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += 64) lines.push(base64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]*?)-----END \1-----/g;

/** Every PEM block in the text, in order. Text outside blocks is ignored (as Go's pem.Decode does). */
export function decodePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    blocks.push({ label: match[1], der: Buffer.from(match[2].replace(/\s+/g, ""), "base64") });
  }
  return blocks;
}

/** The first PEM block, or undefined when the text holds none. */
export function decodePem(text: string): PemBlock | undefined {
  return decodePemBlocks(text)[0];
}

/** Rewrites Talos's `ED25519 PRIVATE KEY` label to the standard `PRIVATE KEY` so Node/OpenSSL accept it. */
export function toNodePrivateKeyPem(pem: string): string {
  return pem.replaceAll(`-----BEGIN ${PEM_ED25519_PRIVATE_KEY}-----`, `-----BEGIN ${PEM_PKCS8_PRIVATE_KEY}-----`)
    .replaceAll(`-----END ${PEM_ED25519_PRIVATE_KEY}-----`, `-----END ${PEM_PKCS8_PRIVATE_KEY}-----`);
}

/** Puts Talos's `ED25519 PRIVATE KEY` label on a PKCS#8 Ed25519 key, as talosctl writes it. */
export function toTalosEd25519KeyPem(pem: string): string {
  return pem.replaceAll(`-----BEGIN ${PEM_PKCS8_PRIVATE_KEY}-----`, `-----BEGIN ${PEM_ED25519_PRIVATE_KEY}-----`)
    .replaceAll(`-----END ${PEM_PKCS8_PRIVATE_KEY}-----`, `-----END ${PEM_ED25519_PRIVATE_KEY}-----`);
}

/** Loads any private key PEM Talos writes (RSA, EC, PKCS#8, or the ED25519 label) as a Node KeyObject. */
export function createPrivateKeyFromTalosPem(pem: string): KeyObject {
  return createPrivateKey({ key: toNodePrivateKeyPem(pem), format: "pem" });
}
