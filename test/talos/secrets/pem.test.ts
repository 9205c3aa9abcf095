import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  createPrivateKeyFromTalosPem,
  decodePem,
  decodePemBlocks,
  encodePem,
  toNodePrivateKeyPem,
  toTalosEd25519KeyPem,
} from "../../../talos/pem";
import { privateKeyPem } from "../../../talos/pki/keys";

describe("PEM helpers", () => {
  it("encodes as Go's encoding/pem: 64-character lines and a trailing newline", () => {
    const der = Buffer.alloc(100, 7);
    const text = encodePem("CERTIFICATE", der);
    const lines = text.split("\n");
    expect(lines[0]).toBe("-----BEGIN CERTIFICATE-----");
    expect(lines[1]).toHaveLength(64);
    expect(lines.at(-2)).toBe("-----END CERTIFICATE-----");
    expect(text.endsWith("\n")).toBe(true);
    expect(decodePem(text)).toEqual({ label: "CERTIFICATE", der });
  });

  it("finds every block and ignores text around them", () => {
    const text = `junk\n${encodePem("A KEY", Buffer.from([1]))}middle\n${encodePem("CERTIFICATE", Buffer.from([2]))}`;
    expect(decodePemBlocks(text).map((b) => b.label)).toEqual(["A KEY", "CERTIFICATE"]);
    expect(decodePem("no pem here")).toBeUndefined();
  });

  it("rewrites the ED25519 label both ways so Node can load Talos's Ed25519 keys", () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const talos = privateKeyPem(privateKey);
    expect(talos.startsWith("-----BEGIN ED25519 PRIVATE KEY-----\n")).toBe(true);
    expect(() => createPrivateKey(talos)).toThrow();
    const node = toNodePrivateKeyPem(talos);
    expect(node).toBe(privateKey.export({ type: "pkcs8", format: "pem" }));
    expect(toTalosEd25519KeyPem(node)).toBe(talos);
    expect(createPrivateKeyFromTalosPem(talos).export({ type: "pkcs8", format: "der" })).toEqual(
      privateKey.export({ type: "pkcs8", format: "der" }),
    );
  });

  it("leaves EC and RSA labels alone", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const ec = privateKeyPem(privateKey);
    expect(ec.startsWith("-----BEGIN EC PRIVATE KEY-----\n")).toBe(true);
    expect(toNodePrivateKeyPem(ec)).toBe(ec);
    expect(createPrivateKeyFromTalosPem(ec).asymmetricKeyType).toBe("ec");
  });
});
