import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");
const BIN = join(ROOT, "bin", "talos-homelab.cjs");
const work = mkdtempSync(join(tmpdir(), "cli-etcd-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, "bin", "build-cli-bundle.cjs")], { cwd: ROOT, stdio: "pipe" });
}, 120_000);

/** Runs the bundled CLI's main() in a fresh node; returns its exit code, stderr and which dist/ files it loaded. */
function runBundled(args: string[]): { code: number; stderr: string; loaded: string[] } {
  const script = `
    require(${JSON.stringify(join(ROOT, "dist", "cli.cjs"))}).main(${JSON.stringify(args)}).then((code) => {
      const dist = ${JSON.stringify(join(ROOT, "dist"))};
      const files = Object.keys(require.cache).filter((f) => f.startsWith(dist + "/")).map((f) => f.slice(dist.length + 1));
      process.stderr.write("\\nLOADED " + JSON.stringify(files.sort()) + " CODE " + code + "\\n");
    });`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: work, encoding: "utf8", env: { PATH: process.env.PATH, HOME: work } });
  const m = /\nLOADED (.*) CODE (\d+)\n/.exec(r.stderr);
  if (m === null) throw new Error(`no result (status ${r.status}): ${r.stderr}`);
  return { code: Number(m[2]), stderr: r.stderr.slice(0, m.index), loaded: JSON.parse(m[1] as string) as string[] };
}

describe("talos-homelab etcd", () => {
  it("--help loads only dist/cli.cjs; a snapshot loads the etcd bundle (Talos client and protos beside it), not render's", () => {
    expect(runBundled(["etcd", "snapshot", "--help"]).loaded).toEqual(["cli.cjs"]);
    const run = runBundled(["etcd", "snapshot"]);
    // sops.cjs: every error message passes the one key-material redaction (cli/main.ts)
    expect(run.loaded).toEqual(["cli.cjs", "etcd.cjs", "sops.cjs"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^talos-homelab etcd snapshot: no talos\/<cluster>\/talosconfig\.sops\.yaml under .*: run it in the GitOps tree \(or pass --tree DIR\)/);
  });

  it("bad numbers are usage errors (exit 2) before anything is read", () => {
    for (const [args, message] of [
      [["etcd", "snapshot", "--keep", "0"], "talos-homelab etcd: --keep 0: must be a whole number of at least 1"],
      [["etcd", "snapshot", "--keep", "two"], "talos-homelab etcd: --keep two: must be a whole number of at least 1"],
      [["etcd", "recover", "--from", "x.snapshot.sops", "--timeout", "-5"], "talos-homelab etcd: --timeout -5: must be a whole number of at least 1"],
    ] as const) {
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: "utf8", env: { PATH: process.env.PATH, HOME: work } });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: `${message}\n` });
    }
  });

  it("recover needs --from", () => {
    const r = spawnSync(process.execPath, [BIN, "etcd", "recover"], { cwd: work, encoding: "utf8", env: { PATH: process.env.PATH, HOME: work } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("required option '-f, --from <path>' not specified");
  });
});
