/**
 * The offline render checked against the real tools: sops decrypts every encrypted file (reading our .sops.yaml),
 * Talos's own validation accepts every machine config, a second render changes no byte, and `check` guards the tree.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkGitopsTree } from "../../gitops/check";
import { decryptText } from "../../sops";
import { makeSandbox, snapshot, type Sandbox } from "../gitops/sandbox";
import { requireTool, runTool } from "./helpers/tools";

const CLI = join(__dirname, "../../bin/talos-homelab.cjs");
const MACHINE_CONFIGS = ["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"].map((n) => `talos/homelab/${n}.sops.yaml`);

let sops: string;
let oracle: string;
let sandbox: Sandbox;
let scratch: string;
let encrypted: string[];

function renderWithCli(s: Sandbox): string {
  const result = spawnSync(process.execPath, [CLI, "render"], { cwd: s.root, env: { ...s.env }, encoding: "utf8" });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

function sopsDecrypt(path: string, env: NodeJS.ProcessEnv): string {
  const result = runTool(sops, ["decrypt", path], { cwd: sandbox.outDir, env });
  expect(result.code, `sops decrypt ${path}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

beforeAll(() => {
  sops = requireTool("sops");
  oracle = requireTool("talos-oracle-v1.14"); // the example stack runs Talos v1.14.1
  sandbox = makeSandbox();
  scratch = mkdtempSync(join(tmpdir(), "talos-homelab-render-compat-"));
  const stdout = renderWithCli(sandbox);
  expect(stdout).toContain(`into ${sandbox.outDir}`);
  encrypted = [...snapshot(sandbox.outDir).keys()].filter((p) => p.endsWith(".sops.yaml") && p !== ".sops.yaml");
});
afterAll(() => {
  sandbox?.cleanup();
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

describe("talos-homelab render against the real sops and Talos", () => {
  it("writes files the real sops decrypts with the identity render created, to the same plaintext we decrypt", async () => {
    expect(encrypted.length).toBe(11); // 5 machine configs, secrets, talosconfig, kubeconfig, sops-age and the 2 Flux canaries
    const identity = readFileSync(sandbox.keysFile, "utf8");
    for (const path of encrypted) {
      const plain = sopsDecrypt(path, { SOPS_AGE_KEY_FILE: sandbox.keysFile, SOPS_AGE_KEY: "", HOME: sandbox.env.HOME, XDG_CONFIG_HOME: sandbox.env.XDG_CONFIG_HOME });
      const ours = await decryptText(readFileSync(join(sandbox.outDir, path)), { format: "yaml", identities: [identity], env: {} });
      expect(plain, path).toBe(ours);
    }
  });

  it("recipients by need: Flux's identity (the sops-age Secret) decrypts every clusters/ file and no talos/ file", () => {
    const secret = sopsDecrypt("clusters/homelab/flux-system/sops-age.sops.yaml", { SOPS_AGE_KEY_FILE: sandbox.keysFile });
    const agekey = /age\.agekey: (\S+)/.exec(secret)?.[1];
    expect(agekey).toBeDefined();
    const clusterIdentity = Buffer.from(agekey!, "base64").toString("utf8");
    const clusterOnly = { SOPS_AGE_KEY: clusterIdentity, SOPS_AGE_KEY_FILE: "", HOME: join(scratch, "nohome"), XDG_CONFIG_HOME: join(scratch, "nohome") };
    const clusterFiles = encrypted.filter((p) => p.startsWith("clusters/"));
    const talosFiles = encrypted.filter((p) => p.startsWith("talos/"));
    expect(clusterFiles.length).toBeGreaterThan(0);
    expect(talosFiles).toEqual(expect.arrayContaining(["talos/homelab/secrets.sops.yaml", "talos/homelab/talosconfig.sops.yaml", "talos/homelab/kubeconfig.sops.yaml", ...MACHINE_CONFIGS]));
    for (const path of clusterFiles) expect(sopsDecrypt(path, clusterOnly).length, path).toBeGreaterThan(0);
    for (const path of talosFiles) {
      const result = runTool(sops, ["decrypt", path], { cwd: sandbox.outDir, env: clusterOnly });
      expect(result.code, `${path} must not decrypt with the cluster identity alone`).toBe(128); // sops: could not get the data key
      expect(result.stdout).toBe("");
    }
  });

  it("the real sops encrypts a new file under talos/ to the operator only and one under clusters/ also to the cluster identity", () => {
    const talosPath = "talos/homelab/extra.sops.yaml";
    writeFileSync(join(sandbox.outDir, talosPath), "note: operators only\n");
    try {
      const result = runTool(sops, ["encrypt", talosPath], { cwd: sandbox.outDir, env: { SOPS_AGE_KEY_FILE: sandbox.keysFile } });
      expect(result.code, result.stderr).toBe(0);
      expect([...result.stdout.matchAll(/recipient: (age1\S+)/g)].map((m) => m[1])).toHaveLength(1);
    } finally {
      rmSync(join(sandbox.outDir, talosPath));
    }
  });

  it("has a .sops.yaml whose rules the real sops applies to new files", () => {
    const path = "clusters/homelab/flux-system/new.sops.yaml";
    writeFileSync(join(sandbox.outDir, path), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: extra\nstringData:\n  k: v\n");
    try {
      const result = runTool(sops, ["encrypt", path], { cwd: sandbox.outDir, env: { SOPS_AGE_KEY_FILE: sandbox.keysFile } });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain("encrypted_regex: ^(data|stringData)$");
      expect(result.stdout).toContain("name: extra");
      expect(result.stdout).toMatch(/k: ENC\[AES256_GCM,/);
    } finally {
      rmSync(join(sandbox.outDir, path));
    }
  });

  it("produces machine configs Talos's own validation accepts in metal mode", () => {
    const dir = join(scratch, "configs");
    mkdirSync(dir, { mode: 0o700 });
    const files = MACHINE_CONFIGS.map((path) => {
      const file = join(dir, path.split("/").pop()!.replace(".sops", ""));
      writeFileSync(file, sopsDecrypt(path, { SOPS_AGE_KEY_FILE: sandbox.keysFile }), { mode: 0o600 });
      return file;
    });
    const result = runTool(oracle, ["validate", "--mode", "metal", ...files]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    for (const file of files) expect(result.stdout).toContain(`${file}: valid for metal mode`);
  });

  it("leaves every file byte-identical on a second render", () => {
    const before = snapshot(sandbox.outDir);
    const stdout = renderWithCli(sandbox);
    expect(stdout).toMatch(/No change: all 22 files are up to date/);
    expect(snapshot(sandbox.outDir)).toEqual(before);
  });

  it("passes check, and fails naming the file after a plaintext secret is dropped in or an encrypted file is corrupted", async () => {
    expect((await checkGitopsTree(sandbox.outDir, { env: sandbox.env })).findings).toEqual([]);
    const cli = (dir: string): ReturnType<typeof spawnSync> =>
      spawnSync(process.execPath, [CLI, "check", dir], { env: { ...sandbox.env }, encoding: "utf8" });
    expect(cli(sandbox.outDir).status).toBe(0);

    const leaked = join(scratch, "leaked");
    cpSync(sandbox.outDir, leaked, { recursive: true });
    writeFileSync(join(leaked, "talos/homelab/cp-1.yaml"), sopsDecrypt(MACHINE_CONFIGS[0], { SOPS_AGE_KEY_FILE: sandbox.keysFile }));
    const leakedRun = cli(leaked);
    expect(leakedRun.status).toBe(1);
    expect(leakedRun.stderr).toContain("talos/homelab/cp-1.yaml: line");

    const corrupted = join(scratch, "corrupted");
    cpSync(sandbox.outDir, corrupted, { recursive: true });
    const target = join(corrupted, "talos/homelab/secrets.sops.yaml");
    writeFileSync(target, readFileSync(target, "utf8").replace(/\nsops:\n/, "\nsopz:\n"));
    const corruptedRun = cli(corrupted);
    expect(corruptedRun.status).toBe(1);
    expect(corruptedRun.stderr).toContain("talos/homelab/secrets.sops.yaml: matches");
  });

  it("shares .sops.yaml: a hand-written broad rule on top is kept, the cluster's block moves above it, and the real sops follows the block", () => {
    const configPath = join(sandbox.outDir, ".sops.yaml");
    const ours = readFileSync(configPath, "utf8");
    const operatorRecipient = /# public key: (age1\S+)/.exec(readFileSync(sandbox.keysFile, "utf8"))?.[1] as string;
    const broad = `# everything else: the team key\n  - path_regex: .*\\.yaml$\n    age: ${operatorRecipient}\n`;
    writeFileSync(configPath, ours.replace("creation_rules:\n", `creation_rules:\n${broad}`));
    const stdout = renderWithCli(sandbox);
    expect(stdout).toMatch(/placed above the rule on line 3/);
    const shared = readFileSync(configPath, "utf8");
    expect(shared).toContain(broad);
    expect(shared.indexOf("# BEGIN talos-homelab cluster homelab")).toBeLessThan(shared.indexOf(broad));
    const path = "clusters/homelab/flux-system/new2.sops.yaml";
    writeFileSync(join(sandbox.outDir, path), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: extra\nstringData:\n  k: v\n");
    try {
      const result = runTool(sops, ["encrypt", path], { cwd: sandbox.outDir, env: { SOPS_AGE_KEY_FILE: sandbox.keysFile } });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain("encrypted_regex: ^(data|stringData)$");
      expect([...result.stdout.matchAll(/recipient: (age1\S+)/g)]).toHaveLength(2);
    } finally {
      rmSync(join(sandbox.outDir, path));
    }
  });
});
