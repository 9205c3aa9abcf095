/**
 * How render and `pulumi up` learn that a rotation's overlap window is over: the tree's sops-age Secret holds the new
 * and the old identity; the old one is kept while any SOPS file lists its recipient or the tree is not committed and
 * pushed, and dropped afterwards.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { overlapFromTree } from "../../gitops/cluster-key-ring";
import { previousIdentitiesStillNeeded } from "../../gitops/rotate-overlap";
import type { TreeGitState } from "../../gitops/tree-git-state";
import { clusterKeyRingFile, ClusterIdentityError, manifestYaml, parseClusterKeyRing, sopsAgeSecret } from "../../kubernetes";
import { encryptText, generateAgeIdentity } from "../../sops";

type Key = { identity: string; recipient: string };
let oldKey: Key;
let newKey: Key;
let operator: Key;
const dirs: string[] = [];
beforeAll(async () => {
  [oldKey, newKey, operator] = await Promise.all([generateAgeIdentity(), generateAgeIdentity(), generateAgeIdentity()]);
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const SOPS_AGE = "clusters/lab/flux-system/sops-age.sops.yaml";
const APP = "clusters/lab/apps/app.sops.json";

async function tree(appRecipients: string[]): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), "overlap-"));
  dirs.push(root);
  const put = async (path: string, plain: string, recipients: string[], format: "yaml" | "json") => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), await encryptText(plain, { format, recipients, env: {} }));
  };
  await put(SOPS_AGE, manifestYaml(sopsAgeSecret(newKey.identity, [oldKey.identity])), [operator.recipient, newKey.recipient], "yaml");
  await put(APP, '{"token":"app-token"}', appRecipients, "json");
  return root;
}

const state = (s: TreeGitState) => () => s;

describe("the sops-age key ring", () => {
  it("reads the current identity first and the previous ones after it, dropping duplicates and comments", () => {
    const text = `# rotated\n${newKey.identity}\n${oldKey.identity}\n\n${newKey.identity.toLowerCase()}\n`;
    expect(parseClusterKeyRing(text)).toEqual({ current: newKey.identity, previous: [oldKey.identity] });
    expect(clusterKeyRingFile(newKey.identity, [oldKey.identity, newKey.identity])).toBe(`${newKey.identity}\n${oldKey.identity}\n`);
  });

  it("names the line of a bad entry without echoing it", () => {
    expect(() => parseClusterKeyRing(`${newKey.identity}\n${operator.recipient}\n`)).toThrow(ClusterIdentityError);
    expect(() => parseClusterKeyRing(`${newKey.identity}\n${operator.recipient}\n`)).toThrow(/age\.agekey line 2: is an age recipient/);
    try {
      parseClusterKeyRing(`${newKey.identity}\nAGE-SECRET-KEY-1NOTVALID\n`);
    } catch (e) {
      expect((e as Error).message).not.toContain("AGE-SECRET-KEY-1NOTVALID");
    }
  });
});

describe("overlap: when the old cluster identity can leave the sops-age Secret", () => {
  it("keeps it while a file (any store) is still encrypted to it, naming the file, whatever Git says", async () => {
    const root = await tree([operator.recipient, oldKey.recipient]);
    const d = await overlapFromTree(root, "lab", newKey.identity, { gitState: state({ kind: "published" }) });
    expect(d.keep).toEqual([oldKey.identity]);
    expect(d.dropped).toBe(0);
    expect(d.reasons.join("\n")).toContain(APP);
    expect(d.reasons.join("\n")).not.toMatch(/AGE-SECRET-KEY/i);
  });

  it("keeps it while the rotated tree is not committed, not pushed, has no upstream or is no Git checkout", async () => {
    const root = await tree([operator.recipient, newKey.recipient]);
    const cases: Array<[TreeGitState, RegExp]> = [
      [{ kind: "uncommitted", files: [APP] }, /not committed .*app\.sops\.json/],
      [{ kind: "unpushed", commits: 2 }, /2 commit\(s\) .* not pushed/],
      [{ kind: "no-upstream" }, /no upstream/],
      [{ kind: "not-a-checkout" }, /not a Git checkout/],
    ];
    for (const [s, reason] of cases) {
      const d = await overlapFromTree(root, "lab", newKey.identity, { gitState: state(s) });
      expect(d.keep, s.kind).toEqual([oldKey.identity]);
      expect(d.reasons.join("\n"), s.kind).toMatch(reason);
    }
  });

  it("drops it once no file lists it and the tree is committed and pushed", async () => {
    const root = await tree([operator.recipient, newKey.recipient]);
    const d = await overlapFromTree(root, "lab", newKey.identity, { gitState: state({ kind: "published" }) });
    expect(d).toEqual({ keep: [], dropped: 1, reasons: [] });
  });

  it("has nothing to decide without a previous identity, an outputDir, or a sops-age Secret the identity can read", async () => {
    const root = await tree([operator.recipient, newKey.recipient]);
    const never = () => {
      throw new Error("git state must not be asked");
    };
    expect(await previousIdentitiesStillNeeded(root, { current: newKey.identity, previous: [] }, { gitState: never })).toEqual({ keep: [], dropped: 0, reasons: [] });
    expect(await overlapFromTree(undefined, "lab", newKey.identity, { gitState: never })).toEqual({ keep: [], dropped: 0, reasons: [] });
    const stranger = await generateAgeIdentity();
    expect(await overlapFromTree(root, "lab", stranger.identity, { gitState: never })).toEqual({ keep: [], dropped: 0, reasons: [] });
    expect(await overlapFromTree(root, "other", newKey.identity, { gitState: never })).toEqual({ keep: [], dropped: 0, reasons: [] });
  });
});
