import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptText, formatAgeKeyFile, generateAgeIdentity } from "../../sops/index";

const ROOT = resolve(__dirname, "../..");
const BIN = join(ROOT, "bin", "talos-homelab.cjs");
const work = mkdtempSync(join(tmpdir(), "cli-bundle-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  // the bundles of the current sources (what `npm ci` / `npm run build` write)
  execFileSync(process.execPath, [join(ROOT, "bin", "build-cli-bundle.cjs")], { cwd: ROOT, stdio: "pipe" });
}, 120_000);

/** Runs the bundled CLI in a fresh node with `args`, then lists which dist/ files it loaded. */
function loadedBundles(args: string[], env: NodeJS.ProcessEnv = {}): string[] {
  const script = `
    require(${JSON.stringify(join(ROOT, "dist", "cli.cjs"))}).main(${JSON.stringify(args)}).then(() => {
      const dist = ${JSON.stringify(join(ROOT, "dist"))};
      const files = Object.keys(require.cache).filter((f) => f.startsWith(dist + "/")).map((f) => f.slice(dist.length + 1));
      process.stderr.write("\\nLOADED " + JSON.stringify(files.sort()) + "\\n");
    });`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: work, encoding: "utf8", env: { ...process.env, ...env } });
  const m = /\nLOADED (.*)\n/.exec(r.stderr);
  if (m === null) throw new Error(`no result (status ${r.status}): ${r.stderr}`);
  return JSON.parse(m[1]) as string[];
}

describe("the CLI bundles in dist/", () => {
  it("start-up and --help load only dist/cli.cjs; a sops command loads the SOPS bundle and not the render one", async () => {
    expect(loadedBundles(["--help"])).toEqual(["cli.cjs"]);
    expect(loadedBundles(["sops", "decrypt", "--help"])).toEqual(["cli.cjs"]);
    expect(loadedBundles(["sops", "filestatus", "missing.yaml"])).toEqual(["cli.cjs", "sops.cjs"]);
  });

  it("secretlint loads only when check runs: not at start-up, not for check --help, not in dist/cli.cjs", () => {
    expect(loadedBundles(["check", "--help"])).toEqual(["cli.cjs"]);
    expect(readFileSync(join(ROOT, "dist", "cli.cjs"), "utf8")).not.toMatch(/@secretlint\//);
    expect(readFileSync(join(ROOT, "dist", "check.cjs"), "utf8")).toMatch(/@secretlint\/secretlint-rule-github/);
    mkdirSync(join(work, "empty-tree"), { recursive: true });
    expect(loadedBundles(["check", join(work, "empty-tree")])).toEqual(["check.cjs", "cli.cjs", "sops.cjs"]);
  });

  it("bin/talos-homelab.cjs decrypts the same from the bundle and from source, with sops's exit codes on errors", async () => {
    const { identity, recipient } = await generateAgeIdentity();
    const plain = "a:\n    b: secret\n    k: 5\nc: true\n";
    writeFileSync(join(work, "keys.txt"), formatAgeKeyFile(identity, recipient), { mode: 0o600 });
    writeFileSync(join(work, "s.enc.yaml"), await encryptText(plain, { format: "yaml", recipients: [recipient] }));
    const env = { ...process.env, SOPS_AGE_KEY_FILE: join(work, "keys.txt"), XDG_CONFIG_HOME: join(work, "xdg") };
    for (const from of [{}, { TALOS_HOMELAB_FROM_SOURCE: "1" }]) {
      const ok = spawnSync(process.execPath, [BIN, "sops", "decrypt", "s.enc.yaml"], { cwd: work, encoding: "utf8", env: { ...env, ...from } });
      expect(ok.stderr).toBe("");
      expect(ok.stdout).toBe(plain);
      const missing = spawnSync(process.execPath, [BIN, "sops", "decrypt", "missing.yaml"], { cwd: work, encoding: "utf8", env: { ...env, ...from } });
      expect(missing.status).toBe(100);
      expect(missing.stderr).toContain("missing.yaml");
      const conflicting = spawnSync(process.execPath, [BIN, "sops", "encrypt", "-i", "--output", "x", "s.enc.yaml"], { cwd: work, encoding: "utf8", env: { ...env, ...from } });
      expect(conflicting.status).toBe(8);
    }
    expect(readFileSync(join(work, "s.enc.yaml"), "utf8")).toContain("ENC[AES256_GCM,");
  });
});
