/**
 * `pulumi up` during a rotation's overlap window (index.ts under mocks): the tree in outputDir holds a sops-age Secret
 * with the new (configured) and the old cluster identity, and a file still encrypted to the old one. The in-cluster
 * `sops-age` Secret then carries both identities and the Flux reconcile-disabled annotation; once the file is rotated
 * and the tree committed and pushed, the next run drops the old identity.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { manifestYaml, sopsAgeSecret } from "../../kubernetes";
import { encryptText, generateAgeIdentity } from "../../sops";
import { dynamicMock, fixture, stackConfig } from "./homelab-fixture";
import { isSecretWrapped, runProgram, unwrapSecrets, type ProgramRun } from "./pulumi-harness";

const SECRET = "kubernetes:core/v1:Secret";
const SOPS_AGE = "clusters/homelab/flux-system/sops-age.sops.yaml";
const APP = "clusters/homelab/apps/app.sops.yaml";

let outputDir: string;
let current: string;
let old: { identity: string; recipient: string };
let currentRecipient: string;

async function put(path: string, plain: string, recipients: string[]): Promise<void> {
  mkdirSync(dirname(join(outputDir, path)), { recursive: true });
  writeFileSync(join(outputDir, path), await encryptText(plain, { format: "yaml", recipients, rules: { encryptedRegex: "^(data|stringData)$" }, env: {} }), { mode: 0o600 });
}

async function up(): Promise<ProgramRun> {
  const { config, secretKeys } = await stackConfig((c) => {
    c["talos-homelab:outputDir"] = outputDir;
  });
  // the operator's identity where `pulumi up` runs: talos/ files in outputDir are encrypted to the operators only
  vi.stubEnv("SOPS_AGE_KEY", (await fixture()).operatorIdentity);
  try {
    return await runProgram(config, secretKeys, { dynamic: dynamicMock() });
  } finally {
    vi.unstubAllEnvs();
  }
}

function sopsAgeData(run: ProgramRun): { agekey: string; annotations?: Record<string, string>; secret: boolean } {
  const resource = run.byType(SECRET).find((r) => r.name.endsWith("-sops-age"))!;
  const inputs = resource.inputs as { data: unknown; metadata: { annotations?: Record<string, string> } };
  const data = unwrapSecrets(inputs.data) as Record<string, string>;
  const metadata = unwrapSecrets(inputs.metadata) as { annotations?: Record<string, string> };
  return { agekey: Buffer.from(data["age.agekey"], "base64").toString("utf8"), annotations: metadata.annotations, secret: isSecretWrapped(inputs.data) };
}

function git(args: string[], cwd = outputDir): void {
  const r = spawnSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "init.defaultBranch=main", ...args], { cwd, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
}

beforeAll(async () => {
  outputDir = mkdtempSync(join(tmpdir(), "up-overlap-"));
  current = (await fixture()).identity;
  currentRecipient = (await fixture()).recipient;
  old = await generateAgeIdentity();
  await put(SOPS_AGE, manifestYaml(sopsAgeSecret(current, [old.identity])), [currentRecipient]);
  await put(APP, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\nstringData:\n  token: app-token\n", [old.recipient]);
});
afterAll(() => rmSync(outputDir, { recursive: true, force: true }));

describe("pulumi up during a rotation", () => {
  it("keeps both identities in the in-cluster sops-age Secret while a tree file still needs the old one", async () => {
    const run = await up();
    const sopsAge = sopsAgeData(run);
    expect(sopsAge.secret).toBe(true);
    expect(sopsAge.agekey).toBe(`${current}\n${old.identity}\n`);
    expect(sopsAge.annotations).toEqual({ "kustomize.toolkit.fluxcd.io/reconcile": "disabled" });
  }, 180_000);

  it("drops the old identity once no file needs it and the tree is committed and pushed", async () => {
    await put(APP, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\nstringData:\n  token: app-token\n", [currentRecipient]);
    const upstream = mkdtempSync(join(tmpdir(), "up-overlap-upstream-"));
    try {
      git(["init", "-q", "--bare", upstream], upstream);
      git(["init", "-q"]);
      git(["add", "-A"]);
      git(["commit", "-qm", "rotated"]);
      git(["remote", "add", "origin", upstream]);
      git(["push", "-q", "-u", "origin", "HEAD"]);
      const sopsAge = sopsAgeData(await up());
      expect(sopsAge.agekey).toBe(`${current}\n`);
      expect(sopsAge.annotations).toBeUndefined();
    } finally {
      rmSync(upstream, { recursive: true, force: true });
    }
  }, 180_000);
});
