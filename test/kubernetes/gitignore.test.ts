import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderGitignore } from "../../kubernetes";

// Git itself decides what the rendered file ignores, in a throwaway repository.
let repo = "";
beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), "gitignore-test-"));
  const init = spawnSync("git", ["init", "-q", repo], { encoding: "utf8" });
  if (init.status !== 0) throw new Error(`git init failed: ${init.stderr}`);
  writeFileSync(join(repo, ".gitignore"), renderGitignore());
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

function ignored(path: string): boolean {
  const r = spawnSync("git", ["-C", repo, "check-ignore", "-q", "--no-index", path], { encoding: "utf8" });
  if (r.status !== 0 && r.status !== 1) throw new Error(`git check-ignore failed: ${r.stderr}`);
  return r.status === 0;
}

describe(".gitignore", () => {
  it.each([
    "age.agekey",
    "clusters/homelab/flux-system/cluster.agekey",
    "keys.txt",
    "secrets/keys.txt",
    "talos/homelab/secrets.plain.yaml",
    "talos/homelab/cp-1.plain.yaml",
    "clusters/homelab/flux-system/sops-age.plain.yml",
    "talos/homelab/kubeconfig.dec.yaml",
    "talosconfig",
    "talos/homelab/kubeconfig",
  ])("keeps %s out of Git", (path) => {
    expect(ignored(path)).toBe(true);
  });

  it.each([
    ".sops.yaml",
    "talos/homelab/secrets.sops.yaml",
    "talos/homelab/talosconfig.sops.yaml",
    "talos/homelab/kubeconfig.sops.yaml",
    "clusters/homelab/flux-system/sops-age.sops.yaml",
    "clusters/homelab/flux-system/flux-instance.yaml",
  ])("keeps %s in Git", (path) => {
    expect(ignored(path)).toBe(false);
  });
});
