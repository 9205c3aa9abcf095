import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../../cli/main";
import { decryptText, encryptText, generateAgeIdentity, recipientOf } from "../../../sops/index";
import { exitCodeCases } from "./exit-code-cases";
import { isolatedEnv, useTempDir } from "./helpers";

const tempDir = useTempDir();
let keys: Array<{ identity: string; recipient: string }> = [];
beforeAll(async () => {
  keys = await Promise.all([0, 1].map(() => generateAgeIdentity()));
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** Runs the CLI in-process with an isolated environment; returns the exit code and what it printed. */
async function cli(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  for (const k of ["SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD", "SOPS_CONFIG", "SOPS_AGE_RECIPIENTS"]) vi.stubEnv(k, undefined as unknown as string);
  for (const [k, v] of Object.entries(isolatedEnv(dir, env))) if (k !== "PATH") vi.stubEnv(k, v as string);
  let stdout = "";
  let stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true));
  const code = await main(args);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

describe("talos-homelab sops / age CLI", () => {
  it("every subcommand has --help", async () => {
    const dir = tempDir();
    for (const sub of ["encrypt", "decrypt", "edit", "set", "unset", "updatekeys", "rotate", "filestatus"]) {
      const r = await cli(dir, ["sops", sub, "--help"]);
      expect(r.code, sub).toBe(0);
      expect(r.stdout).toContain(`sops ${sub}`);
    }
    expect((await cli(dir, ["age", "keygen", "--help"])).code).toBe(0);
  });

  it("encrypt -i, decrypt, and sops's exit codes (100, 203, 128, 51, 8)", async () => {
    const dir = tempDir();
    const f = join(dir, "s.yaml");
    writeFileSync(f, "a: secret\nb_unencrypted: clear\n");
    expect((await cli(dir, ["sops", "encrypt", "-i", "--age", keys[0].recipient, f])).code).toBe(0);
    expect(readFileSync(f, "utf8")).toContain("sops:");
    const env = { SOPS_AGE_KEY: keys[0].identity };
    const dec = await cli(dir, ["sops", "decrypt", f], env);
    expect(dec).toMatchObject({ code: 0, stdout: "a: secret\nb_unencrypted: clear\n" });
    expect((await cli(dir, ["sops", "decrypt", "--extract", '["a"]', f], env)).stdout).toBe("secret");
    expect((await cli(dir, ["sops", "decrypt", join(dir, "missing.yaml")], env)).code).toBe(100);
    const again = await cli(dir, ["sops", "encrypt", "--age", keys[0].recipient, f]);
    expect(again.code).toBe(203);
    const wrong = await cli(dir, ["sops", "decrypt", f], { SOPS_AGE_KEY: keys[1].identity });
    expect(wrong.code).toBe(128);
    expect(wrong.stderr).toContain(keys[0].recipient);
    writeFileSync(join(dir, "t.yaml"), readFileSync(f, "utf8").replace("clear", "cleat"));
    expect((await cli(dir, ["sops", "decrypt", join(dir, "t.yaml")], env)).code).toBe(51);
    expect((await cli(dir, ["sops", "decrypt", "--ignore-mac", join(dir, "t.yaml")], env)).code).toBe(0);
    expect((await cli(dir, ["sops", "decrypt", "-i", "--output", "x", f], env)).code).toBe(8);
  });

  it("uses .sops.yaml via --config, set/unset/rotate/filestatus/updatekeys", async () => {
    const dir = tempDir();
    const cfg = join(dir, "conf.yaml");
    writeFileSync(cfg, `creation_rules:\n  - path_regex: \\.yaml$\n    age: [${keys[0].recipient}]\n`);
    const f = join(dir, "s.yaml");
    writeFileSync(f, "a: 1\n");
    expect((await cli(dir, ["sops", "--config", cfg, "encrypt", "-i", f])).code).toBe(0);
    const env = { SOPS_AGE_KEY: keys[0].identity };
    expect((await cli(dir, ["sops", "set", f, '["b"]', '"two"'], env)).code).toBe(0);
    expect((await cli(dir, ["sops", "unset", f, '["a"]'], env)).code).toBe(0);
    expect((await cli(dir, ["sops", "unset", f, '["zzz"]'], env)).code).toBe(1);
    expect((await cli(dir, ["sops", "unset", "--idempotent", f, '["zzz"]'], env)).code).toBe(0);
    expect((await cli(dir, ["sops", "set", f, "bad", "1"], env)).code).toBe(7);
    expect((await cli(dir, ["sops", "filestatus", f])).stdout).toBe('{"encrypted":true}\n');
    expect(await decryptText(readFileSync(f), { format: "yaml", identities: [keys[0].identity] })).toBe("b: two\n");
    writeFileSync(cfg, `creation_rules:\n  - age: ${keys[1].recipient}\n`);
    expect((await cli(dir, ["sops", "updatekeys", "-y", "--config", cfg, f], env)).code).toBe(0);
    expect(await decryptText(readFileSync(f), { format: "yaml", identities: [keys[1].identity] })).toBe("b: two\n");
    const rot = await cli(dir, ["sops", "rotate", "-i", f], { SOPS_AGE_KEY: keys[1].identity });
    expect(rot.code).toBe(0);
    expect(await decryptText(readFileSync(f), { format: "yaml", identities: [keys[1].identity] })).toBe("b: two\n");
    writeFileSync(join(dir, "n.yaml"), "a: 1\n");
    const nomatch = await cli(dir, ["sops", "--config", join(dir, "none.yaml"), "encrypt", join(dir, "n.yaml")]);
    expect(nomatch.code).toBe(1);
    writeFileSync(join(dir, "r.yaml"), `creation_rules:\n  - path_regex: ^nothing$\n    age: ${keys[0].recipient}\n`);
    const nm = await cli(dir, ["sops", "--config", join(dir, "r.yaml"), "encrypt", "--age", keys[0].recipient, join(dir, "n.yaml")]);
    expect(nm.code).toBe(1);
    expect(nm.stderr).toContain("no matching creation rules found");
  });

  it("age keygen -o writes 0600 and prints the recipient; without -o ensures the default identity", async () => {
    const dir = tempDir();
    const out = join(dir, "id.txt");
    const r = await cli(dir, ["age", "keygen", "-o", out]);
    expect(r.code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const text = readFileSync(out, "utf8");
    const secret = text.split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1")) as string;
    expect(r.stdout.trim()).toBe(await recipientOf(secret));
    expect(text).toContain(`# public key: ${r.stdout.trim()}`);
    expect((await cli(dir, ["age", "keygen", "-o", out])).code).toBe(1);
    const d = await cli(dir, ["age", "keygen"]);
    expect(d.code).toBe(0);
    expect(d.stderr).toContain(join(dir, "xdg", "sops", "age", "keys.txt"));
    expect(d.stderr).toMatch(/BACK IT UP/);
    const again = await cli(dir, ["age", "keygen"]);
    expect(again.stdout).toBe(d.stdout);
    const enc = await encryptText("x: 1\n", { format: "yaml", recipients: [d.stdout.trim()] });
    expect(await decryptText(enc, { format: "yaml", env: isolatedEnv(dir) })).toBe("x: 1\n");
  });

  describe("exits as sops 3.11 does (checked against the real sops in test/compat/sops-exit-codes.compat.test.ts)", () => {
    for (const c of exitCodeCases) {
      it(c.name, async () => {
        const dir = tempDir();
        c.setup(dir, await encryptText("a: secret\n", { format: "yaml", recipients: [keys[0].recipient] }));
        const r = await cli(dir, c.args(dir, keys[0].recipient), { SOPS_AGE_KEY: keys[0].identity, ...c.env?.(dir) });
        expect(r.code, r.stderr).toBe(c.sopsExits);
      });
    }
  });
});
