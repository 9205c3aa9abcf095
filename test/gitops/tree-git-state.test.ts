/** The Git state that ends a rotation's overlap, read with the real git on local repositories only. */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { treeGitState } from "../../gitops/tree-git-state";

const work = mkdtempSync(join(tmpdir(), "tree-git-state-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "init.defaultBranch=main", ...args], { cwd, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
}

describe("treeGitState", () => {
  it("follows a tree from no checkout to uncommitted, no upstream, unpushed and published", () => {
    const repo = join(work, "repo");
    const upstream = join(work, "upstream.git");
    mkdirSync(repo);
    writeFileSync(join(repo, "a.sops.yaml"), "a: 1\n");
    expect(treeGitState(repo).kind).toBe("not-a-checkout");
    git(repo, "init", "-q");
    expect(treeGitState(repo)).toEqual({ kind: "uncommitted", files: ["a.sops.yaml"] });
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "one");
    expect(treeGitState(repo).kind).toBe("no-upstream");
    git(work, "init", "-q", "--bare", upstream);
    git(repo, "remote", "add", "origin", upstream);
    git(repo, "push", "-q", "-u", "origin", "HEAD");
    expect(treeGitState(repo).kind).toBe("published");
    writeFileSync(join(repo, "a.sops.yaml"), "a: 2\n");
    git(repo, "commit", "-qam", "two");
    expect(treeGitState(repo)).toEqual({ kind: "unpushed", commits: 1 });
  });

  it("treats a folder the enclosing repository ignores as no checkout", () => {
    const repo = join(work, "project");
    mkdirSync(join(repo, "rendered", "homelab"), { recursive: true });
    git(repo, "init", "-q");
    writeFileSync(join(repo, ".gitignore"), "rendered/\n");
    writeFileSync(join(repo, "rendered", "homelab", "a.sops.yaml"), "a: 1\n");
    expect(treeGitState(join(repo, "rendered", "homelab")).kind).toBe("not-a-checkout");
  });
});
