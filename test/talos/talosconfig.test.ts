import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { contractFor } from "../../talos/contract";
import { generateSecretsBundle } from "../../talos/secrets-bundle";
import {
  adminCertNeedsRenewal,
  renderTalosconfig,
  renewTalosconfigIfNeeded,
  reuseTalosconfig,
} from "../../talos/talosconfig";
import type { SecretsBundle } from "../../talos/types";
import { OID, inspectCertificate, truncateToSeconds } from "./secrets/cert-inspect";

/** Key generation is slow on a loaded machine (RSA-4096). */
const BUNDLE_TIMEOUT_MS = 60_000;

const NOW = new Date("2025-06-01T08:00:00.250Z");
const YEAR_MS = 8_760 * 3_600_000;
const DAY_MS = 86_400_000;
const OPTS = { contextName: "homelab", endpoints: ["192.168.10.11", "192.168.10.12"], nodes: ["192.168.10.11"], now: NOW };

let bundle: SecretsBundle;
let text: string;
beforeAll(async () => {
  bundle = await generateSecretsBundle(contractFor("v1.11.5"), new Date("2025-01-01T00:00:00Z"));
  text = await renderTalosconfig(bundle, OPTS);
}, BUNDLE_TIMEOUT_MS);

interface Context {
  endpoints: string[];
  nodes?: string[];
  ca: string;
  crt: string;
  key: string;
}
const contextOf = (t: string): Context => (parse(t) as { contexts: Record<string, Context> }).contexts.homelab;
const decode = (b: string) => Buffer.from(b, "base64").toString("utf8");

describe("renderTalosconfig", () => {
  it("writes Talos's client config layout", () => {
    const ctx = contextOf(text);
    const lines = text.split("\n");
    expect(lines.slice(0, 8)).toEqual([
      "context: homelab",
      "contexts:",
      "    homelab:",
      "        endpoints:",
      "            - 192.168.10.11",
      "            - 192.168.10.12",
      "        nodes:",
      "            - 192.168.10.11",
    ]);
    expect(lines[8]).toBe(`        ca: ${ctx.ca}`);
    expect(lines[9]).toBe(`        crt: ${ctx.crt}`);
    expect(lines[10]).toBe(`        key: ${ctx.key}`);
    expect(lines.slice(11)).toEqual([""]);
    expect(decode(ctx.ca)).toBe(bundle.certs.os.crt);
  });

  it("writes `endpoints: []` and no nodes when none are given, as gen config does", async () => {
    const empty = await renderTalosconfig(bundle, { contextName: "homelab", endpoints: [], nodes: [], now: NOW });
    expect(empty.split("\n").slice(0, 4)).toEqual(["context: homelab", "contexts:", "    homelab:", "        endpoints: []"]);
    expect(empty).not.toContain("nodes");
  });

  it("issues an Ed25519 os:admin client certificate: clientAuth only, one year, signed by the Talos API CA", () => {
    const ctx = contextOf(text);
    const crt = decode(ctx.crt);
    const key = decode(ctx.key);
    const facts = inspectCertificate(crt);
    const ca = inspectCertificate(bundle.certs.os.crt);
    expect(facts.subject).toEqual([[OID.organization, "printable", "os:admin"]]);
    expect(facts.issuerDerHex).toBe(ca.subjectDerHex);
    expect(facts.signatureOid).toBe(OID.ed25519);
    expect(facts.x509.verify(ca.x509.publicKey)).toBe(true);
    expect(facts.x509.checkIssued(ca.x509)).toBe(true);
    expect(facts.notBefore).toEqual(truncateToSeconds(NOW));
    expect(facts.notAfter).toEqual(truncateToSeconds(new Date(NOW.getTime() + YEAR_MS)));
    expect(facts.extensions).toEqual([
      { oid: OID.keyUsage, critical: true },
      { oid: OID.extKeyUsage, critical: false },
      { oid: OID.authorityKeyId, critical: false },
    ]);
    expect(facts.keyUsageDerHex).toBe("03020780"); // digitalSignature only
    expect(facts.extKeyUsage).toEqual([OID.clientAuth]);
    expect(facts.isCA).toBeUndefined();
    expect(facts.subjectKeyIdHex).toBeUndefined();
    expect(facts.authorityKeyIdHex).toBe(ca.subjectKeyIdHex);
    expect(key.startsWith("-----BEGIN ED25519 PRIVATE KEY-----\n")).toBe(true);
    const privateKey = createPrivateKey(key.replace(/ED25519 PRIVATE KEY/g, "PRIVATE KEY"));
    expect(createPublicKey(privateKey).export({ type: "spki", format: "der" })).toEqual(
      facts.x509.publicKey.export({ type: "spki", format: "der" }),
    );
  });

  it("puts other roles in one O set, in DER SET OF order as Go's encoding/asn1 writes it", async () => {
    const t = await renderTalosconfig(bundle, { ...OPTS, roles: ["os:reader", "os:etcd:backup"] });
    const facts = inspectCertificate(decode(contextOf(t).crt));
    // the shorter encoding sorts first
    expect(facts.subject).toEqual([
      [OID.organization, "printable", "os:reader"],
      [OID.organization, "printable", "os:etcd:backup"],
    ]);
    expect(facts.subjectDerHex.startsWith("302b3129")).toBe(true); // one RDN SET holding both values
  });
});

describe("renewal", () => {
  it("needs renewal only under 30 days before expiry", () => {
    const notAfter = new Date(new X509Certificate(decode(contextOf(text).crt)).validTo).getTime();
    expect(adminCertNeedsRenewal(text, NOW)).toBe(false);
    expect(adminCertNeedsRenewal(text, new Date(notAfter - 30 * DAY_MS))).toBe(false);
    expect(adminCertNeedsRenewal(text, new Date(notAfter - 30 * DAY_MS + 1000))).toBe(true);
    expect(adminCertNeedsRenewal(text, new Date(notAfter + DAY_MS))).toBe(true);
    expect(adminCertNeedsRenewal("context: x\ncontexts: {}\n", NOW)).toBe(true);
    expect(adminCertNeedsRenewal("{{{", NOW)).toBe(true);
  });

  it("returns the existing text unchanged while the certificate is good", async () => {
    const later = new Date(NOW.getTime() + 200 * DAY_MS);
    expect(await renewTalosconfigIfNeeded(bundle, text, { ...OPTS, now: later })).toBe(text);
    expect(await renderTalosconfig(bundle, { ...OPTS, now: later, existing: text })).toBe(text);
    expect(await reuseTalosconfig(text, bundle, { ...OPTS, now: later })).toBe(text);
  });

  it("keeps the certificate but follows new endpoints", async () => {
    const moved = await reuseTalosconfig(text, bundle, { ...OPTS, endpoints: ["192.168.10.13"] });
    expect(moved).toBeDefined();
    expect(contextOf(moved!).endpoints).toEqual(["192.168.10.13"]);
    expect(contextOf(moved!).crt).toBe(contextOf(text).crt);
  });

  it("issues a new certificate near expiry, for another CA or other roles", async () => {
    const late = new Date(NOW.getTime() + 340 * DAY_MS);
    const renewed = await renewTalosconfigIfNeeded(bundle, text, { ...OPTS, now: late });
    expect(contextOf(renewed).crt).not.toBe(contextOf(text).crt);
    expect(adminCertNeedsRenewal(renewed, late)).toBe(false);
    expect(await reuseTalosconfig(text, bundle, { ...OPTS, now: late })).toBeUndefined();

    const otherCa = await generateSecretsBundle(contractFor("v1.11.5"), NOW);
    expect(await reuseTalosconfig(text, otherCa, OPTS)).toBeUndefined();
    expect(await reuseTalosconfig(text, bundle, { ...OPTS, roles: ["os:reader"] })).toBeUndefined();
    expect(await reuseTalosconfig("not: [yaml", bundle, OPTS)).toBeUndefined();
  });
});
