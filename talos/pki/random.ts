import { randomBytes } from "node:crypto";

/** A random certificate serial below 2^128, as siderolabs/crypto NewSerialNumber draws it. */
export function randomSerialNumber(): Buffer {
  return randomBytes(16);
}

/** The 20 random bytes siderolabs/crypto uses as a CA's SubjectKeyId (not a hash of the key). */
export function randomSubjectKeyId(): Buffer {
  return randomBytes(20);
}

const TOKEN_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz";
/** 252 is the largest multiple of 36 below 256: bytes at or above it are dropped so every character is equally likely. */
const MAX_TOKEN_BYTE = 252;

/** A random string over [0-9a-z], rejection-sampled from random bytes as Talos does. */
export function randomTokenString(length: number, source: (size: number) => Uint8Array = randomBytes): string {
  let token = "";
  while (token.length < length) {
    for (const byte of source(length * 2)) {
      if (byte >= MAX_TOKEN_BYTE) continue;
      token += TOKEN_CHARS[byte % TOKEN_CHARS.length];
      if (token.length === length) break;
    }
  }
  return token;
}

/** A kubeadm-style token `[0-9a-z]{6}.[0-9a-z]{16}` (bootstrap token, trustd token). */
export function randomBootstrapToken(): string {
  return `${randomTokenString(6)}.${randomTokenString(16)}`;
}

export const BOOTSTRAP_TOKEN_PATTERN = /^[0-9a-z]{6}\.[0-9a-z]{16}$/;

/** 32 random bytes, standard base64 with padding (cluster secret, secretbox/aescbc secrets). */
export function randomBase64Secret(): string {
  return randomBytes(32).toString("base64");
}

/** 32 random bytes, URL-safe base64 WITH padding (Go's base64.URLEncoding), as Talos encodes the cluster id. */
export function randomClusterId(): string {
  return randomBytes(32).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}
