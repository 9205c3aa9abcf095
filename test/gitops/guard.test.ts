/**
 * The guards: the Git pre-commit hook `check --install-hook` writes (real git, real commits), the pre-commit
 * framework files, and the pull-request workflow render writes into the tree (parsed, and its check step run).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ForeignHookError, installGitHook } from "../../gitops/guard-hook";
import { GUARD_HOOK_ID, guardPaths } from "../../gitops/guard-files";
import { renderGitopsTree } from "../../gitops/render";
import { makeSandbox, type Sandbox } from "./sandbox";

const ROOT = resolve(__dirname, "../..");
const BIN = join(ROOT, "bin", "talos-homelab.cjs");
const COMMAND = [process.execPath, BIN];

let sandbox: Sandbox;
let repo: string;

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, "bin", "build-cli-bundle.cjs")], { cwd: ROOT, stdio: "pipe" });
  sandbox = makeSandbox();
  await renderGitopsTree({ stackFile: sandbox.stackFile, env: sandbox.env, now: new Date("2025-06-01T12:00:00Z") });
}, 180_000);
afterAll(() => sandbox.cleanup());

const gitEnv = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: join(repo, "..", "home"),
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.invalid",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.invalid",
});

function git(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync("git", args, { cwd: repo, encoding: "utf8", env: gitEnv() });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function commits(): number {
  const r = git("rev-list", "--count", "HEAD");
  return r.status === 0 ? Number(r.out.trim()) : 0;
}

beforeEach(() => {
  const base = mkdtempSync(join(tmpdir(), "talos-homelab-guard-"));
  mkdirSync(join(base, "home"));
  repo = join(base, "gitops");
  cpSync(sandbox.outDir, repo, { recursive: true });
  expect(git("init", "-q", "-b", "main").status).toBe(0);
});
afterEach(() => rmSync(join(repo, ".."), { recursive: true, force: true }));

const githubToken = (): string => `ghp_${randomBytes(27).toString("base64").replace(/[+/]/g, "x").slice(0, 36)}`;

describe("check --install-hook (a plain Git pre-commit hook)", () => {
  it("refuses a commit with a planted leak, names the file without printing the secret, and lets a clean commit through", async () => {
    const hook = await installGitHook({ dir: repo, command: COMMAND });
    expect(hook).toEqual({ path: join(repo, ".git", "hooks", "pre-commit"), replaced: "none" });

    git("add", "-A");
    const clean = git("commit", "-q", "-m", "tree");
    expect(clean.status, clean.out).toBe(0);
    expect(commits()).toBe(1);

    const token = githubToken();
    writeFileSync(join(repo, "clusters/homelab/renovate.yaml"), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: r\ndata:\n  token: ${token}\n`);
    git("add", "-A");
    const leak = git("commit", "-q", "-m", "leak");
    expect(leak.status).not.toBe(0);
    expect(leak.out).toMatch(/clusters\/homelab\/renovate\.yaml: line 6: contains GitHub Token/);
    expect(leak.out).not.toContain(token);
    expect(commits()).toBe(1);
  }, 120_000);

  it("checks what is staged, not the working tree", async () => {
    await installGitHook({ dir: repo, command: COMMAND });
    git("add", "-A");
    expect(git("commit", "-q", "-m", "tree").status).toBe(0);

    // a leak in the working tree that is not staged does not block a clean commit
    const token = githubToken();
    writeFileSync(join(repo, "unstaged.env"), `GITHUB_TOKEN=${token}\n`);
    writeFileSync(join(repo, "README.md"), "# homelab\n");
    git("add", "README.md");
    const ok = git("commit", "-q", "-m", "readme");
    expect(ok.status, ok.out).toBe(0);

    // a staged leak blocks the commit even once the working-tree copy is cleaned
    git("add", "unstaged.env");
    writeFileSync(join(repo, "unstaged.env"), "GITHUB_TOKEN=\n");
    const refused = git("commit", "-q", "-m", "leak");
    expect(refused.status).not.toBe(0);
    expect(refused.out).toContain("unstaged.env: line 1");
    expect(commits()).toBe(2);
  }, 120_000);

  it("reads a staged file larger than the batch (1 MiB) on its own, and still finds its leak", async () => {
    await installGitHook({ dir: repo, command: COMMAND });
    git("add", "-A");
    expect(git("commit", "-q", "-m", "tree").status).toBe(0);
    writeFileSync(join(repo, "big.txt"), `${"padding line\n".repeat(120_000)}${githubToken()}\n`);
    git("add", "big.txt");
    const refused = git("commit", "-q", "-m", "big");
    expect(refused.status).not.toBe(0);
    expect(refused.out).toContain("big.txt: line 120001");
  }, 120_000);

  it("guards a tree in a subfolder of the repository", async () => {
    const top = join(repo, "..", "monorepo");
    mkdirSync(top);
    cpSync(repo, join(top, "gitops"), { recursive: true });
    rmSync(join(top, "gitops", ".git"), { recursive: true, force: true });
    rmSync(repo, { recursive: true, force: true });
    repo = top;
    git("init", "-q", "-b", "main");
    await installGitHook({ dir: join(top, "gitops"), command: COMMAND });
    expect(readFileSync(join(top, ".git/hooks/pre-commit"), "utf8")).toContain("check --staged 'gitops'");
    writeFileSync(join(top, "gitops", "notes.txt"), `${githubToken()}\n`);
    git("add", "-A");
    const refused = git("commit", "-q", "-m", "leak");
    expect(refused.status).not.toBe(0);
    expect(refused.out).toContain("notes.txt: line 1");
    repo = join(top, "..", "gitops"); // for afterEach
    mkdirSync(repo);
  }, 120_000);

  it("never replaces a hook it did not write, unless forced; updates its own", async () => {
    const path = join(repo, ".git", "hooks", "pre-commit");
    mkdirSync(join(repo, ".git", "hooks"), { recursive: true });
    writeFileSync(path, "#!/bin/sh\necho mine\n");
    chmodSync(path, 0o755);
    await expect(installGitHook({ dir: repo, command: COMMAND })).rejects.toThrow(ForeignHookError);
    expect(readFileSync(path, "utf8")).toBe("#!/bin/sh\necho mine\n");
    expect(await installGitHook({ dir: repo, command: COMMAND, force: true })).toMatchObject({ replaced: "foreign" });
    expect(await installGitHook({ dir: repo, command: COMMAND })).toMatchObject({ replaced: "ours" });
    expect(readFileSync(path, "utf8")).toContain(GUARD_HOOK_ID);
  });

  it("the CLI installs it and refuses a foreign hook with exit code 1", () => {
    const run = (...args: string[]): ReturnType<typeof spawnSync> =>
      spawnSync(process.execPath, [BIN, "check", ...args], { cwd: repo, encoding: "utf8", env: gitEnv() });
    const first = run("--install-hook", ".");
    expect(first.status, String(first.stderr)).toBe(0);
    expect(String(first.stdout)).toMatch(/pre-commit hook installed/);
    writeFileSync(join(repo, ".git", "hooks", "pre-commit"), "#!/bin/sh\nexit 0\n");
    const refused = run("--install-hook");
    expect(refused.status).toBe(1);
    expect(String(refused.stderr)).toMatch(/was not written by talos-homelab.*--force/);
  });

  it("check --staged outside a Git work tree is a clear error, not an empty pass", () => {
    const outside = mkdtempSync(join(tmpdir(), "talos-homelab-nogit-"));
    try {
      cpSync(sandbox.outDir, outside, { recursive: true });
      const r = spawnSync(process.execPath, [BIN, "check", "--staged", outside], { cwd: outside, encoding: "utf8", env: { ...gitEnv(), GIT_CEILING_DIRECTORIES: tmpdir() } });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/--staged: .* is not inside a Git work tree/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("a hook whose talos-homelab was moved fails the commit instead of letting it through", async () => {
    await installGitHook({ dir: repo, command: [process.execPath, join(repo, "..", "gone", "talos-homelab.cjs")] });
    git("add", "-A");
    const r = git("commit", "-q", "-m", "tree");
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/is gone: reinstall/);
  });
});

describe("the pre-commit framework files", () => {
  it(".pre-commit-hooks.yaml makes this repository a hook provider with id talos-homelab-check", () => {
    const hooks = parse(readFileSync(join(ROOT, ".pre-commit-hooks.yaml"), "utf8")) as Array<Record<string, unknown>>;
    const hook = hooks.find((h) => h.id === GUARD_HOOK_ID);
    expect(hook).toMatchObject({ entry: "talos-homelab check --staged", language: "node", pass_filenames: false, always_run: true });
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
    expect(pkg.bin["talos-homelab"]).toBeDefined(); // what `entry` runs once pre-commit installed the package
  });

  it("render writes a .pre-commit-config.yaml with the hook, and keeps the user's version on the next render", async () => {
    const path = join(sandbox.outDir, guardPaths.preCommitConfig);
    const config = parse(readFileSync(path, "utf8")) as { repos: Array<{ repo: string; hooks: Array<Record<string, unknown>> }> };
    expect(config.repos[0].hooks[0]).toMatchObject({ id: GUARD_HOOK_ID, entry: "talos-homelab check --staged", pass_filenames: false, always_run: true });

    const mine = `${readFileSync(path, "utf8")}  - repo: local\n    hooks:\n      - id: mine\n        name: mine\n        entry: "true"\n        language: system\n`;
    writeFileSync(path, mine);
    await renderGitopsTree({ stackFile: sandbox.stackFile, env: sandbox.env, now: new Date("2025-06-01T12:00:00Z") });
    expect(readFileSync(path, "utf8")).toBe(mine);
  }, 120_000);
});

describe("the pull-request workflow in the tree", () => {
  interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    "working-directory"?: string;
  }
  const workflow = (): { on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, { steps: Step[] }> } =>
    parse(readFileSync(join(sandbox.outDir, guardPaths.workflow), "utf8"), { strict: true, uniqueKeys: true });

  it("is valid YAML, runs on pull requests with read-only permissions, and runs talos-homelab check on the tree", () => {
    const wf = workflow();
    expect(Object.keys(wf.on)).toContain("pull_request");
    expect(wf.permissions).toEqual({ contents: "read" });
    const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
    expect(steps.every((s) => (s.uses === undefined) !== (s.run === undefined))).toBe(true);
    expect(steps.filter((s) => s.uses !== undefined).every((s) => /^[\w.-]+\/[\w.-]+@v\d+$/.test(s.uses!))).toBe(true);
    expect(steps.some((s) => /talos-homelab\.cjs check tree$/m.test(s.run ?? ""))).toBe(true);
  });

  it("its check step, run as the job lays the checkouts out, passes the rendered tree and fails on a planted leak", () => {
    const work = mkdtempSync(join(tmpdir(), "talos-homelab-workflow-"));
    try {
      symlinkSync(ROOT, join(work, "talos-homelab"));
      cpSync(sandbox.outDir, join(work, "tree"), { recursive: true });
      const step = Object.values(workflow().jobs).flatMap((j) => j.steps).find((s) => /check tree/.test(s.run ?? ""))!;
      const runStep = (): ReturnType<typeof spawnSync> =>
        spawnSync("sh", ["-e", "-c", step.run!], { cwd: work, encoding: "utf8", env: { PATH: `${resolve(process.execPath, "..")}:${process.env.PATH}`, HOME: join(work, "home") } });
      const ok = runStep();
      expect(ok.status, String(ok.stderr)).toBe(0);
      writeFileSync(join(work, "tree", "clusters", "homelab", "leak.env"), `TOKEN=${githubToken()}\n`);
      const bad = runStep();
      expect(bad.status).toBe(1);
      expect(String(bad.stderr)).toContain("clusters/homelab/leak.env: line 1");
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
