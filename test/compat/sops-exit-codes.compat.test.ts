/** The real sops 3.11 and `talos-homelab sops` on the same failing inputs: the same exit code, the one the table pins. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptText, generateAgeIdentity } from "../../sops/index";
import { exitCodeCases } from "../sops/ops/exit-code-cases";
import { requireTool, runTool } from "./helpers/tools";

const CLI = join(__dirname, "../../bin/talos-homelab.cjs");
let work = "";
let key = { identity: "", recipient: "" };
let encrypted = "";

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "sops-exit-codes-"));
  key = await generateAgeIdentity();
  encrypted = await encryptText("a: secret\n", { format: "yaml", recipients: [key.recipient] });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("exit codes match the real sops", () => {
  for (const [i, c] of exitCodeCases.entries()) {
    it(c.name, () => {
      const results = (["sops", "ours"] as const).map((impl) => {
        const dir = mkdtempSync(join(work, `${i}-${impl}-`));
        c.setup(dir, encrypted);
        const args = c.args(dir, key.recipient);
        const env = { SOPS_AGE_KEY: key.identity, SOPS_AGE_KEY_FILE: "", HOME: join(dir, "home"), XDG_CONFIG_HOME: join(dir, "xdg"), ...c.env?.(dir) };
        const r = impl === "sops" ? runTool(requireTool("sops"), args.slice(1), { cwd: dir, env, input: "" }) : runTool(process.execPath, [CLI, ...args], { cwd: dir, env, input: "" });
        return { impl, code: r.code, stderr: r.stderr };
      });
      const [theirs, ours] = results as [(typeof results)[0], (typeof results)[0]];
      expect(theirs.code, `real sops: ${theirs.stderr}`).toBe(c.sopsExits);
      expect(ours.code, `ours: ${ours.stderr}`).toBe(theirs.code);
    });
  }
});
