/**
 * Flux's side of the contract: a Kubernetes Secret encrypted with the rendered `.sops.yaml` decrypts with the identity
 * we put into `sops-age`, the way kustomize-controller does it (the manifest converted to JSON, decrypted with the
 * JSON store) — here with the real sops.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { generateX25519Identity } from "age-encryption";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import {
  clusterIdentityRecipient,
  gitCredentialsSecret,
  manifestYaml,
  renderSopsConfig,
  sopsAgeSecret,
  sopsCanarySecret,
  SOPS_AGE_SECRET_KEY,
  type Secret,
} from "../../kubernetes";
import { encryptText } from "../../sops";
import { requireTool, runTool } from "./helpers/tools";

const CLUSTER = "homelab";
const ENC = /^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:str\]$/;

interface EncryptedSecret {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  sops: { age: Array<{ recipient: string }>; encrypted_regex?: string; mac: string; version: unknown; lastmodified: unknown };
}

let work = "";
let repo = "";
let emptyHome = "";
let clusterIdentity = "";
let clusterRecipient = "";
let operatorIdentity = "";
let configPath = "";
let sopsAge: Secret;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "flux-sops-"));
  chmodSync(work, 0o700);
  repo = join(work, "repo");
  emptyHome = join(work, "home");
  mkdirSync(repo);
  mkdirSync(emptyHome);
  clusterIdentity = await generateX25519Identity();
  clusterRecipient = await clusterIdentityRecipient(clusterIdentity);
  operatorIdentity = await generateX25519Identity();
  configPath = join(repo, ".sops.yaml");
  writeFileSync(
    configPath,
    renderSopsConfig({ clusterName: CLUSTER, recipients: [await clusterIdentityRecipient(operatorIdentity)], clusterRecipient }),
  );
  sopsAge = sopsAgeSecret(clusterIdentity);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The identity file exactly as kustomize-controller gets it: the `.agekey` entry of the sops-age Secret. */
function identityFileFrom(secret: Secret, name: string): string {
  const path = join(work, name);
  writeFileSync(path, Buffer.from(secret.data?.[SOPS_AGE_SECRET_KEY] ?? "", "base64"), { mode: 0o600 });
  return path;
}

/** Decrypts like kustomize-controller: the resource as JSON, the JSON store, keys only from the given file. */
function decryptAsFlux(encryptedYaml: string, keyFile: string): { code: number; stderr: string; secret?: Secret } {
  const jsonPath = join(work, `resource-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(jsonPath, JSON.stringify(parse(encryptedYaml)), { mode: 0o600 });
  const result = runTool(requireTool("sops"), ["decrypt", "--input-type", "json", "--output-type", "json", jsonPath], {
    cwd: emptyHome,
    env: {
      HOME: emptyHome,
      XDG_CONFIG_HOME: emptyHome,
      SOPS_AGE_KEY_FILE: keyFile,
      // Unset, not empty: sops 3.11 panics on an empty SOPS_AGE_KEY_CMD.
      SOPS_AGE_KEY: undefined,
      SOPS_AGE_KEY_CMD: undefined,
      SOPS_AGE_SSH_PRIVATE_KEY_FILE: undefined,
    },
  });
  rmSync(jsonPath);
  return { code: result.code, stderr: result.stderr, secret: result.code === 0 ? (JSON.parse(result.stdout) as Secret) : undefined };
}

function expectFluxReadable(encryptedYaml: string, plain: Secret): void {
  const doc = parse(encryptedYaml) as EncryptedSecret;
  // Flux must still read what the resource is: only data/stringData are encrypted.
  expect(doc.apiVersion).toBe(plain.apiVersion);
  expect(doc.kind).toBe("Secret");
  expect(doc.metadata).toEqual(plain.metadata);
  for (const value of Object.values({ ...doc.data, ...doc.stringData })) expect(value).toMatch(ENC);
  expect(doc.sops.encrypted_regex).toBe("^(data|stringData)$");
  expect(doc.sops.age.map((a) => a.recipient)).toContain(clusterRecipient);
  // Metadata that must survive the conversion to JSON as strings.
  expect(typeof doc.sops.version).toBe("string");
  expect(typeof doc.sops.lastmodified).toBe("string");
  expect(encryptedYaml).toMatch(/^ {4}mac: ENC\[/m);

  const decrypted = decryptAsFlux(encryptedYaml, identityFileFrom(sopsAge, "cluster.agekey"));
  expect(decrypted.stderr).toBe("");
  expect(decrypted.code).toBe(0);
  const { sops: _metadata, ...resource } = decrypted.secret as Secret & { sops?: unknown };
  expect(resource).toEqual(plain);
}

const httpsCredentials = () => gitCredentialsSecret({ transport: "https", username: "git", password: "glpat-compat-test-token" });
const appSecret = (): Secret => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "db", namespace: "apps" },
  type: "Opaque",
  stringData: { password: "correct horse battery staple", "config.yaml": "user: app\nport: 5432\n" },
});
const pathIn = (...parts: string[]) => join(repo, ...parts);

describe("Flux decrypts what our sops layer encrypts with the rendered .sops.yaml", () => {
  it.each([
    ["the Git credentials Secret (data)", "clusters/homelab/flux-system/git-credentials.sops.yaml", httpsCredentials],
    ["the sops-age Secret itself (data)", "clusters/homelab/flux-system/sops-age.sops.yaml", () => sopsAge],
    ["an app Secret (stringData)", "clusters/homelab/apps/db.sops.yaml", appSecret],
    ["the infrastructure SOPS canary (data)", "clusters/homelab/infrastructure/sops-canary-infrastructure.sops.yaml", () => sopsCanarySecret(CLUSTER, "infrastructure")],
    ["the apps SOPS canary (data)", "clusters/homelab/apps/sops-canary-apps.sops.yaml", () => sopsCanarySecret(CLUSTER, "apps")],
  ])("%s", async (_label, relPath, build) => {
    const plain = build();
    const encrypted = await encryptText(manifestYaml(plain), { format: "yaml", filePath: pathIn(relPath), configPath });
    expectFluxReadable(encrypted, plain);
  });

  it("does not decrypt with any other identity", async () => {
    const encrypted = await encryptText(manifestYaml(httpsCredentials()), {
      format: "yaml",
      filePath: pathIn("clusters/homelab/flux-system/git-credentials.sops.yaml"),
      configPath,
    });
    const stranger = sopsAgeSecret(await generateX25519Identity());
    const result = decryptAsFlux(encrypted, identityFileFrom(stranger, "stranger.agekey"));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Error getting data key|failed to decrypt|no identity matched/i);
  });
});

describe("the rendered .sops.yaml drives the real sops the same way", () => {
  function sopsEncrypt(relPath: string, plaintextYaml: string): { code: number; stdout: string; stderr: string } {
    const input = join(work, "plain-input.yaml");
    writeFileSync(input, plaintextYaml, { mode: 0o600 });
    mkdirSync(dirname(pathIn(relPath)), { recursive: true });
    const result = runTool(
      requireTool("sops"),
      ["encrypt", "--filename-override", relPath, "--input-type", "yaml", "--output-type", "yaml", input],
      { cwd: repo, env: { HOME: emptyHome, XDG_CONFIG_HOME: emptyHome, SOPS_AGE_RECIPIENTS: undefined } },
    );
    rmSync(input);
    return result;
  }

  it("clusters/<name>/ Secrets: data|stringData only, decryptable by Flux", () => {
    const plain = appSecret();
    const result = sopsEncrypt("clusters/homelab/apps/db.sops.yaml", manifestYaml(plain));
    expect(result.stderr).toBe("");
    expectFluxReadable(result.stdout, plain);
  });

  it("talos/<name>/ files: every value encrypted", () => {
    const result = sopsEncrypt("talos/homelab/secrets.sops.yaml", stringify({ cluster: { id: "abc", secret: "s3cr3t" }, version: "v1" }));
    expect(result.code).toBe(0);
    const doc = parse(result.stdout) as { cluster: Record<string, string>; version: string; sops: Record<string, unknown> };
    for (const value of [doc.cluster.id, doc.cluster.secret, doc.version]) expect(value).toMatch(/^ENC\[AES256_GCM,/);
    expect(doc.sops).not.toHaveProperty("encrypted_regex");
  });

  it("a file outside both folders matches no rule", () => {
    const result = sopsEncrypt("elsewhere/x.sops.yaml", "a: b\n");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no matching creation rules found/);
  });
});
