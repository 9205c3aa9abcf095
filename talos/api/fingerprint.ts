import { createHash } from "node:crypto";

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Normalises a SHA-256 certificate fingerprint (hex, any case, optionally colon-separated as
 * `openssl x509 -fingerprint -sha256` prints it) to 64 lower-case hex digits, or throws naming the value.
 */
export function normalizeFingerprint(fingerprint: string): string {
  const hex = fingerprint.trim().replace(/^sha256:/i, "").replaceAll(":", "").toLowerCase();
  if (!SHA256_HEX.test(hex)) {
    throw new Error(
      `certificate fingerprint "${fingerprint}" is not a SHA-256 fingerprint: give 64 hex digits (colons allowed), ` +
        "the SHA-256 of the node's DER certificate",
    );
  }
  return hex;
}

/** SHA-256 of a DER certificate, as 64 lower-case hex digits. */
export function certificateFingerprint(der: Buffer): string {
  return createHash("sha256").update(der).digest("hex");
}
