/**
 * `talos-homelab rotate` against the real sops: a user's own SOPS file under clusters/ (encrypted by the real sops from
 * the rendered .sops.yaml) is rotated, and afterwards the real sops decrypts it with the new keys only. The sops-age
 * Secret carries both cluster identities (age.agekey with two lines), which the real sops uses as Flux does, and the
 * next render in a pushed Git checkout ends the overlap.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { makeSandbox, snapshot, type Sandbox } from "../gitops/sandbox";
import { spliceAgeEntry } from "../gitops/splice";
import { requireTool, runTool } from "./helpers/tools";

const CLI = join(__dirname, "../../bin/talos-homelab.cjs");
const USER_FILE = "clusters/homelab/apps/db.sops.yaml";
const USER_ENV = "clusters/homelab/apps/backup.env";
const SOPS_AGE = "clusters/homelab/flux-system/sops-age.sops.yaml";
const USER_SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\nstringData:\n  password: user-own-db-password\n";

let sops: string;
let sandbox: Sandbox;
let scratch: string;
let operatorA: string;
let operatorB: string;
let newCluster: string;
let oldSopsAge: string;
let oldUserFile: string;

function cli(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: sandbox.root, env: { ...sandbox.env, ...env }, encoding: "utf8" });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** The real sops with exactly these keys (a file of identities), nothing from HOME. */
function sopsWith(keyFile: string, args: string[], cwd = sandbox.outDir) {
  const nohome = join(scratch, "nohome");
  return runTool(sops, args, { cwd, env: { SOPS_AGE_KEY_FILE: keyFile, SOPS_AGE_KEY: undefined, SOPS_AGE_KEY_CMD: undefined, HOME: nohome, XDG_CONFIG_HOME: nohome } });
}

function keyFile(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

const identityOf = (agekeyFile: string) => readFileSync(agekeyFile, "utf8").split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"))!;
const publicKeyOf = (agekeyFile: string) => readFileSync(agekeyFile, "utf8").match(/public key: (age1\S+)/)![1];

/** Decrypts like kustomize-controller: the resource as JSON, the JSON store, keys only from the given file. */
function decryptAsFlux(encryptedYaml: string, keys: string) {
  const json = join(scratch, `resource-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(json, JSON.stringify(parse(encryptedYaml)), { mode: 0o600 });
  const r = sopsWith(keys, ["decrypt", "--input-type", "json", "--output-type", "json", json], scratch);
  rmSync(json);
  return r;
}

function git(args: string[], cwd = sandbox.outDir): string {
  const r = spawnSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "init.defaultBranch=main", ...args], { cwd, encoding: "utf8" });
  expect(r.status, `git ${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

beforeAll(() => {
  sops = requireTool("sops");
  sandbox = makeSandbox();
  scratch = mkdtempSync(join(tmpdir(), "rotate-compat-"));
  mkdirSync(join(scratch, "nohome"));
  expect(cli(["render"]).code).toBe(0);
  operatorA = sandbox.keysFile;
  const b = cli(["age", "keygen", "-o", join(scratch, "b.agekey")]);
  expect(b.code, b.stderr).toBe(0);
  operatorB = join(scratch, "b.agekey");
  const n = cli(["age", "keygen", "-o", join(scratch, "cluster-new.agekey")]);
  expect(n.code, n.stderr).toBe(0);
  newCluster = join(scratch, "cluster-new.agekey");
  // The user's own files: a Secret the real sops encrypts from the rendered .sops.yaml, and a dotenv file no rule covers.
  mkdirSync(join(sandbox.outDir, "clusters/homelab/apps"), { recursive: true });
  writeFileSync(join(sandbox.outDir, USER_FILE), USER_SECRET, { mode: 0o600 });
  const enc = sopsWith(operatorA, ["encrypt", "-i", USER_FILE]);
  expect(enc.code, enc.stderr).toBe(0);
  // encrypted outside the tree (no .sops.yaml there), then copied in
  writeFileSync(join(scratch, "backup.env"), "S3_SECRET=user-own-s3-secret\n", { mode: 0o600 });
  const encEnv = sopsWith(operatorA, ["encrypt", "--age", publicKeyOf(operatorA), join(scratch, "backup.env")], scratch);
  expect(encEnv.code, encEnv.stderr).toBe(0);
  writeFileSync(join(sandbox.outDir, USER_ENV), encEnv.stdout, { mode: 0o600 });
  oldSopsAge = readFileSync(join(sandbox.outDir, SOPS_AGE), "utf8");
  oldUserFile = readFileSync(join(sandbox.outDir, USER_FILE), "utf8");
});
afterAll(() => {
  sandbox?.cleanup();
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

describe("talos-homelab rotate with the real sops", () => {
  it("dry run: lists the user's own files with old -> new recipients, writes nothing, prints no key material", () => {
    const before = snapshot(sandbox.outDir);
    const r = cli(["rotate", "--cluster-identity", newCluster, "--age", publicKeyOf(operatorB)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("dry run: nothing is written");
    expect(r.stdout).toContain(USER_FILE);
    expect(r.stdout).toContain(USER_ENV);
    expect(r.stdout).toContain("[sops-age: new identity added]");
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/AGE-SECRET-KEY/i);
    expect(snapshot(sandbox.outDir)).toEqual(before);
  });

  it("--apply: the user's file decrypts with the real sops and the new keys only", () => {
    const r = cli(["rotate", "--cluster-identity", newCluster, "--age", publicKeyOf(operatorB), "--apply"]);
    expect(r.code, r.stderr).toBe(0);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/AGE-SECRET-KEY/i);
    for (const keys of [newCluster, operatorB]) {
      const d = sopsWith(keys, ["decrypt", USER_FILE]);
      expect(d.code, d.stderr).toBe(0);
      expect(parse(d.stdout).stringData.password).toBe("user-own-db-password");
    }
    expect(sopsWith(operatorA, ["decrypt", USER_FILE]).code).not.toBe(0);
    const env = sopsWith(operatorB, ["decrypt", USER_ENV]);
    expect(env.code, env.stderr).toBe(0);
    expect(env.stdout).toBe("S3_SECRET=user-own-s3-secret\n");
    expect(sopsWith(operatorA, ["decrypt", USER_ENV]).code).not.toBe(0);
    expect(readFileSync(join(sandbox.outDir, USER_FILE), "utf8")).not.toBe(oldUserFile);
  });

  it("the removed operator's old enc block spliced into the rotated file opens nothing with the real sops", () => {
    const rotatedPath = join(scratch, "spliced.sops.yaml");
    writeFileSync(rotatedPath, spliceAgeEntry(readFileSync(join(sandbox.outDir, USER_FILE), "utf8"), oldUserFile, publicKeyOf(operatorA)), { mode: 0o600 });
    const attack = sopsWith(operatorA, ["decrypt", rotatedPath], scratch);
    expect(attack.code).not.toBe(0);
    expect(attack.stdout).not.toContain("user-own-db-password");
    // the same splice into the file before the rotation (same data key) is what the attacker could read before
    writeFileSync(rotatedPath, spliceAgeEntry(oldUserFile, oldUserFile, publicKeyOf(operatorA)), { mode: 0o600 });
    expect(sopsWith(operatorA, ["decrypt", rotatedPath], scratch).code).toBe(0);
  });

  it("the old cluster identity no longer opens the rotated user file; the sops-age Secret holds both identities, which Flux-style decrypts old and new files", () => {
    // the sops-age Secret as committed before the rotation: the old identity alone
    const before = keyFile("old.agekey", Buffer.from(parse(sopsWithText(operatorA, oldSopsAge)).data["age.agekey"], "base64").toString("utf8"));
    expect(sopsWith(before, ["decrypt", USER_FILE]).code).not.toBe(0);

    const now = sopsWith(newCluster, ["decrypt", SOPS_AGE]);
    expect(now.code, now.stderr).toBe(0);
    const ring = Buffer.from(parse(now.stdout).data["age.agekey"], "base64").toString("utf8");
    const lines = ring.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(identityOf(newCluster));
    expect(lines[1]).toBe(identityOf(before));
    const both = keyFile("both.agekey", ring);
    // Flux during the overlap: the commit before the rotation and the rotated one both decrypt with the two-line key.
    const oldCommit = decryptAsFlux(oldUserFile, both);
    expect(oldCommit.code, oldCommit.stderr).toBe(0);
    const rotated = decryptAsFlux(readFileSync(join(sandbox.outDir, USER_FILE), "utf8"), both);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(JSON.parse(rotated.stdout).stringData.password).toBe("user-own-db-password");
  });

  it("render keeps the old identity until the rotated tree is committed and pushed, then drops it", () => {
    const env = { SOPS_AGE_KEY_FILE: operatorB };
    const first = cli(["render"], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/keeps 1 previous cluster identity: .*not a Git checkout/);
    const upstream = join(scratch, "upstream.git");
    git(["init", "--bare", upstream], scratch);
    git(["init"]);
    git(["add", "-A"]);
    git(["commit", "-qm", "rotated tree"]);
    const notPushed = cli(["render"], env);
    expect(notPushed.stdout).toMatch(/keeps 1 previous cluster identity: .*no upstream/);
    git(["remote", "add", "origin", upstream]);
    git(["push", "-q", "-u", "origin", "HEAD"]);
    const done = cli(["render"], env);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain("Rotation overlap over: 1 previous cluster identity dropped");
    const after = sopsWith(newCluster, ["decrypt", SOPS_AGE]);
    expect(Buffer.from(parse(after.stdout).data["age.agekey"], "base64").toString("utf8")).toBe(`${identityOf(newCluster)}\n`);
  });
});

function sopsWithText(keys: string, encryptedYaml: string): string {
  const path = join(scratch, `old-${Math.random().toString(36).slice(2)}.sops.yaml`);
  writeFileSync(path, encryptedYaml, { mode: 0o600 });
  const r = sopsWith(keys, ["decrypt", path], scratch);
  rmSync(path);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}
