/** Issue 16 item 5: two first uses with the same fresh HOME agree on one default identity (exclusive create, then re-read). */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultAgeKeyFilePath, ensureDefaultAgeIdentity } from "../../sops/age-identities";
import { renderGitopsTree } from "../../gitops/render";
import { decryptText } from "../../sops";
import { makeSandbox } from "../gitops/sandbox";
import { isolatedEnv, useTempDir } from "../sops/ops/helpers";

const tempDir = useTempDir();

describe("ensureDefaultAgeIdentity under concurrency", () => {
  it("eight concurrent first uses all get the identity that ends up in keys.txt; exactly one reports it created", async () => {
    const env = isolatedEnv(tempDir());
    const results = await Promise.all(Array.from({ length: 8 }, () => ensureDefaultAgeIdentity(env)));
    const path = defaultAgeKeyFilePath(env);
    const file = readFileSync(path, "utf8");
    expect(file.match(/^AGE-SECRET-KEY-1/gm)).toHaveLength(1);
    for (const r of results) expect(file).toContain(`# public key: ${r.recipient}`);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(readdirSync(dirname(path)).filter((f) => f !== "keys.txt")).toEqual([]);
  });
});

describe("two first renders with the same fresh HOME", () => {
  it("both trees are encrypted to the one identity that ends up in keys.txt", async () => {
    const a = makeSandbox();
    const b = makeSandbox();
    try {
      const now = new Date("2025-06-01T12:00:00Z");
      await Promise.all([a, b].map((s) => renderGitopsTree({ stackFile: s.stackFile, env: a.env, now })));
      const keys = readFileSync(a.keysFile, "utf8");
      const identities = keys.split("\n").filter((l) => l.startsWith("AGE-SECRET-KEY-1"));
      expect(identities).toHaveLength(1);
      for (const s of [a, b]) {
        const secrets = readFileSync(join(s.outDir, "talos/homelab/secrets.sops.yaml"));
        expect(await decryptText(secrets, { format: "yaml", identities, env: {} })).toContain("bootstraptoken");
      }
    } finally {
      a.cleanup();
      b.cleanup();
    }
  }, 120_000);
});
