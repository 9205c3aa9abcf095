/**
 * Planted leaks: each case drops one credential into a copy of a freshly rendered tree, in one of the forms people
 * actually commit them, and `checkGitopsTree` must name the file (and never print the secret).
 */
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkGitopsTree, formatFinding, type CheckReport } from "../../gitops/check";
import { renderGitopsTree } from "../../gitops/render";
import { generateAgeIdentity } from "../../sops/age-identities";
import { makeSandbox, type Sandbox } from "./sandbox";

let sandbox: Sandbox;
let tree: string;

beforeAll(async () => {
  sandbox = makeSandbox();
  await renderGitopsTree({ stackFile: sandbox.stackFile, env: sandbox.env, now: new Date("2025-06-01T12:00:00Z") });
}, 120_000);
afterAll(() => sandbox.cleanup());

beforeEach(() => {
  tree = mkdtempSync(join(tmpdir(), "talos-homelab-leaks-"));
  cpSync(sandbox.outDir, tree, { recursive: true });
});
afterEach(() => rmSync(tree, { recursive: true, force: true }));

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function randomFrom(alphabet: string, length: number): string {
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join("");
}

const b64 = (text: string): string => Buffer.from(text).toString("base64");
const talosToken = (): string => `${randomFrom(LOWER_ALNUM, 6)}.${randomFrom(LOWER_ALNUM, 16)}`;
const key32 = (): string => randomBytes(32).toString("base64");
const githubToken = (): string => `ghp_${randomFrom(ALNUM, 36)}`;
const gitlabToken = (): string => `glpat-${randomFrom(ALNUM, 20)}`;
const awsKeyId = (): string => `AKIA${randomFrom(UPPER_ALNUM, 16)}`;
const awsSecret = (): string => randomBytes(30).toString("base64");

function rsaPem(): string {
  return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
}
function ecPkcs8Pem(): string {
  return generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}
function ed25519Pem(): string {
  return generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}
function opensshPem(): string {
  const body = Buffer.concat([Buffer.from("openssh-key-v1\0"), randomBytes(380)]).toString("base64");
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.match(/.{1,70}/g)!.join("\n")}\n-----END OPENSSH PRIVATE KEY-----\n`;
}
function indent(text: string, spaces: number): string {
  return text.trimEnd().split("\n").map((l) => " ".repeat(spaces) + l).join("\n");
}
function configMap(data: Record<string, string>): string {
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: default\ndata:\n${lines.join("\n")}\n`;
}

/** A leak: the file it is planted in, its content, and the secret strings no output may contain. */
interface Leak {
  readonly file: string;
  readonly content: string | Buffer;
  readonly secrets: readonly string[];
  /** A line the finding must name, when the leak sits on one line. */
  readonly line?: number;
  /** What a finding must say (e.g. the kind of credential found inside a decoded value). */
  readonly mentions?: RegExp;
}

type LeakCase = readonly [name: string, make: () => Leak | Promise<Leak>];

async function plant(leak: Leak): Promise<CheckReport> {
  const path = join(tree, ...leak.file.split("/"));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, leak.content);
  return checkGitopsTree(tree, { env: sandbox.env });
}

function expectCaught(report: CheckReport, leak: Leak): void {
  const problems = report.findings.filter((f) => f.file === leak.file).map((f) => f.problem);
  expect(problems, `findings: ${JSON.stringify(report.findings)}`).not.toEqual([]);
  if (leak.line !== undefined) expect(problems.join("\n")).toContain(`line ${leak.line}`);
  if (leak.mentions !== undefined) expect(problems.join("\n")).toMatch(leak.mentions);
  const printed = `${JSON.stringify(report)}\n${report.findings.map(formatFinding).join("\n")}`;
  for (const secret of leak.secrets) {
    expect(printed).not.toContain(secret);
    expect(printed.toLowerCase()).not.toContain(secret.toLowerCase());
  }
}

const LEAKS: readonly LeakCase[] = [
  ["an RSA private key (PKCS#1 PEM) in a .pem file", () => {
    const pem = rsaPem();
    return { file: "clusters/homelab/apps/tls.pem", content: pem, secrets: [pem.split("\n")[1]], line: 1 };
  }],
  ["a PKCS#8 EC private key in a ConfigMap block scalar", () => {
    const pem = ecPkcs8Pem();
    const content = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tls\ndata:\n  tls.key: |\n${indent(pem, 4)}\n`;
    return { file: "clusters/homelab/apps/tls-configmap.yaml", content, secrets: [pem.split("\n")[1]], line: 7 };
  }],
  ["an OpenSSH private key as a Flux deploy key file", () => {
    const pem = opensshPem();
    return { file: "clusters/homelab/flux-system/identity", content: pem, secrets: [pem.split("\n")[1]], line: 1 };
  }],
  ["a private key inside JSON with escaped newlines", () => {
    const pem = ed25519Pem();
    const content = JSON.stringify({ type: "service_account", private_key: pem }, null, 2) + "\n";
    return { file: "infra/service-account.json", content, secrets: [pem.split("\n")[1]], line: 3 };
  }],
  ["an age identity in upper case (as age-keygen writes it)", async () => {
    const { identity } = await generateAgeIdentity();
    return { file: "notes/backup.txt", content: `cluster key backup\n${identity}\n`, secrets: [identity], line: 2 };
  }],
  ["an age identity in lower case", async () => {
    const identity = (await generateAgeIdentity()).identity.toLowerCase();
    return { file: "notes/lower.txt", content: `key: ${identity}\n`, secrets: [identity], line: 1 };
  }],
  ["an age identity in mixed case", async () => {
    const upper = (await generateAgeIdentity()).identity;
    const identity = `Age-Secret-Key-1${upper.slice(16, 40).toLowerCase()}${upper.slice(40)}`;
    return { file: "notes/mixed.md", content: `# keys\n\n\`${identity}\`\n`, secrets: [identity], line: 3 };
  }],
  ["a Talos machine token in a plaintext machine config patch", () => {
    const token = talosToken();
    return { file: "talos/homelab/patches/token.yaml", content: `machine:\n  token: ${token}\n`, secrets: [token], line: 2 };
  }],
  ["a Talos trustd token and bootstrap token in a secrets.yaml (talosctl gen secrets) copy", () => {
    const trustd = talosToken();
    const bootstrap = talosToken();
    const content = `cluster:\n  id: abc\nsecrets:\n  bootstraptoken: ${bootstrap}\ntrustdinfo:\n  token: ${trustd}\n`;
    return { file: "backup/secrets.yaml", content, secrets: [trustd, bootstrap] };
  }],
  ["a secretbox encryption secret in secrets.yaml form (lower-case key)", () => {
    const secret = key32();
    return { file: "backup/secretbox.yaml", content: `secrets:\n  secretboxencryptionsecret: ${secret}\n`, secrets: [secret], line: 2 };
  }],
  ["an aescbc encryption secret in a machine config", () => {
    const secret = key32();
    return { file: "talos/homelab/aescbc.yaml", content: `cluster:\n  aescbcEncryptionSecret: "${secret}"\n`, secrets: [secret], line: 2 };
  }],
  ["a plaintext Secret with data in YAML", () => {
    const password = b64(`pw-${randomFrom(ALNUM, 16)}`);
    const content = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  password: ${password}\n`;
    return { file: "clusters/homelab/apps/db-secret.yaml", content, secrets: [password] };
  }],
  ["a plaintext Secret with stringData", () => {
    const password = `pw-${randomFrom(ALNUM, 16)}`;
    const content = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  DB_PASSWORD: ${password}\n`;
    return { file: "clusters/homelab/apps/string-data.yaml", content, secrets: [password] };
  }],
  ["a plaintext Secret in JSON", () => {
    const password = b64(`pw-${randomFrom(ALNUM, 16)}`);
    const content = JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "db" }, data: { password } }, null, 2);
    return { file: "clusters/homelab/apps/db-secret.json", content, secrets: [password] };
  }],
  ["a plaintext Secret in YAML flow style on one line", () => {
    const password = `pw-${randomFrom(ALNUM, 16)}`;
    const content = `{apiVersion: v1, kind: Secret, metadata: {name: db}, stringData: {password: ${password}}}\n`;
    return { file: "clusters/homelab/apps/flow.yaml", content, secrets: [password] };
  }],
  ["a plaintext Secret as the second document after a ConfigMap", () => {
    const password = `pw-${randomFrom(ALNUM, 16)}`;
    const content = `${configMap({ mode: "prod" })}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: ${password}\n`;
    return { file: "clusters/homelab/apps/multi.yaml", content, secrets: [password] };
  }],
  ["a plaintext Secret inside a kind: List", () => {
    const password = b64(`pw-${randomFrom(ALNUM, 16)}`);
    const content =
      `apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: a\n    data:\n      x: "1"\n` +
      `  - apiVersion: v1\n    kind: Secret\n    metadata:\n      name: b\n    data:\n      password: ${password}\n`;
    return { file: "clusters/homelab/apps/list.yaml", content, secrets: [password] };
  }],
  ["a half-encrypted Secret outside the rules (one value ENC[...], one plaintext)", () => {
    const password = `pw-${randomFrom(ALNUM, 16)}`;
    const enc = `ENC[AES256_GCM,data:${randomBytes(12).toString("base64")},iv:${randomBytes(32).toString("base64")},tag:${randomBytes(16).toString("base64")},type:str]`;
    const content = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  user: ${enc}\n  password: ${password}\n`;
    return { file: "clusters/homelab/apps/half.yaml", content, secrets: [password] };
  }],
  ["a plaintext Secret appended as a later document of an encrypted file", () => {
    const password = `pw-${randomFrom(ALNUM, 16)}`;
    const path = join(tree, "clusters/homelab/flux-system/sops-age.sops.yaml");
    const content = `${readFileSync(path, "utf8")}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: extra\nstringData:\n  password: ${password}\n`;
    return { file: "clusters/homelab/flux-system/sops-age.sops.yaml", content, secrets: [password] };
  }],
  ["an encrypted multi-document file whose sops metadata is cut out of a later document", () => {
    const path = join(tree, "talos/homelab/cp-1.sops.yaml");
    const docs = readFileSync(path, "utf8").split(/^---\n/m);
    const last = docs.length - 1;
    docs[last] = docs[last].slice(0, docs[last].indexOf("\nsops:\n") + 1);
    return { file: "talos/homelab/cp-1.sops.yaml", content: docs.join("---\n"), secrets: [] };
  }],
  ["a private key wrapped in base64 in a ConfigMap", () => {
    const pem = ecPkcs8Pem();
    return { file: "clusters/homelab/apps/ca.yaml", content: configMap({ "ca.key.b64": b64(pem) }), secrets: [b64(pem), pem.split("\n")[1]], line: 7 };
  }],
  ["an age identity wrapped in base64", async () => {
    const { identity } = await generateAgeIdentity();
    return { file: "notes/restore.env", content: `AGE_KEY_B64=${b64(`${identity}\n`)}\n`, secrets: [identity, b64(`${identity}\n`)], line: 1 };
  }],
  ["a GitHub token in a Secret's base64 data (decoded and scanned)", () => {
    const token = githubToken();
    const content = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: gh\n  annotations:\n    note: ci\ndata:\n  token: ${b64(token)}\n`;
    return { file: "clusters/homelab/apps/gh-secret.yaml", content, secrets: [token, b64(token)], mentions: /GitHub/i };
  }],
  ["a GitHub token base64-wrapped in the last of several base64 values (the finding names its line)", () => {
    const token = githubToken();
    const values = { a: b64("first harmless value"), b: b64("second: harmless\nmultiline\nvalue"), c: b64(`token=${token}`) };
    return { file: "clusters/homelab/apps/blobs.yaml", content: configMap(values), secrets: [token, values.c], line: 9, mentions: /GitHub/i };
  }],
  ["a GitHub token in a ConfigMap", () => {
    const token = githubToken();
    return { file: "clusters/homelab/apps/renovate.yaml", content: configMap({ RENOVATE_TOKEN: token }), secrets: [token], line: 7 };
  }],
  ["a GitLab token in a HelmRelease values block", () => {
    const token = gitlabToken();
    const content = `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: runner\nspec:\n  values:\n    runnerToken: ${token}\n`;
    return { file: "clusters/homelab/apps/runner.yaml", content, secrets: [token], line: 7 };
  }],
  ["AWS access keys in a credentials file", () => {
    const id = awsKeyId();
    const secret = awsSecret();
    return { file: "backup/aws/credentials", content: `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`, secrets: [id, secret] };
  }],
  ["a Proxmox API token (PVEAPIToken=user@realm!id=uuid) in a dotenv file", () => {
    const uuid = randomUUID();
    return { file: ".env", content: `PROXMOX_VE_ENDPOINT=https://127.0.0.1:8006/\nPROXMOX_VE_API_TOKEN=PVEAPIToken=terraform@pve!provider=${uuid}\n`, secrets: [uuid], line: 2 };
  }],
  ["a Proxmox API token in the user@realm!id=uuid form in a dotenv file", () => {
    const uuid = randomUUID();
    return { file: "deploy/proxmox.env", content: `PROXMOX_VE_API_TOKEN="root@pam!pulumi=${uuid}"\n`, secrets: [uuid], line: 1 };
  }],
  ["a kubeconfig with a client key", () => {
    const pem = ecPkcs8Pem();
    const content =
      `apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://127.0.0.1:6443\n  name: homelab\n` +
      `users:\n- name: admin\n  user:\n    client-certificate-data: ${b64("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")}\n    client-key-data: ${b64(pem)}\n`;
    return { file: "kubeconfig.yaml", content, secrets: [b64(pem), pem.split("\n")[1]], line: 11 };
  }],
  ["a talosconfig with a key", () => {
    const pem = ed25519Pem();
    const content = `context: homelab\ncontexts:\n  homelab:\n    endpoints:\n      - 127.0.0.1\n    ca: ${b64("ca")}\n    crt: ${b64("crt")}\n    key: ${b64(pem)}\n`;
    return { file: "talosconfig.yaml", content, secrets: [b64(pem)], line: 8 };
  }],
  ["a leak under node_modules/ is not skipped", () => {
    const token = githubToken();
    return { file: "node_modules/some-chart/values.yaml", content: `token: ${token}\n`, secrets: [token], line: 1 };
  }],
  ["a leak under a nested .git folder (vendor/chart/.git/) is not skipped", async () => {
    const { identity } = await generateAgeIdentity();
    return { file: "vendor/chart/.git/config", content: `[core]\n# ${identity}\n`, secrets: [identity], line: 2 };
  }],
  ["a file too large to scan is a finding, not a note", () => ({ file: "clusters/homelab/apps/huge.yaml", content: "x", secrets: [] })],
];

describe("check catches planted leaks", () => {
  for (const [name, make] of LEAKS) {
    it(name, async () => {
      const leak = await make();
      if (name.startsWith("a file too large")) {
        const path = join(tree, ...leak.file.split("/"));
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, "");
        truncateSync(path, 65 * 1024 * 1024); // sparse: large on paper, instant to make
        const report = await checkGitopsTree(tree, { env: sandbox.env });
        expect(report.findings.filter((f) => f.file === leak.file).map((f) => f.problem).join()).toMatch(/too large|larger than/);
        return;
      }
      expectCaught(await plant(leak), leak);
    }, 60_000);
  }

  it("has at least 25 planted leaks", () => {
    expect(LEAKS.length).toBeGreaterThanOrEqual(25);
  });

  it("a fresh render passes", async () => {
    const report = await checkGitopsTree(tree, { env: sandbox.env });
    expect(report.findings).toEqual([]);
  });
});
