/** Issue 16 item 5: two first uses with the same fresh HOME agree on one default identity (exclusive create, then re-read). */
import { readFileSync, readdirSync } from "node:fs";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultAgeKeyFilePath, ensureDefaultAgeIdentity } from "../../sops/age-identities";
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
