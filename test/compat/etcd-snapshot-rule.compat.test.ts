/**
 * The `.sops.yaml` rule for etcd snapshots against the real sops: a snapshot written by `etcd snapshot` (binary
 * store) in `talos/<c>/etcd-snapshots/` is selected by the cluster block's rule, `sops updatekeys` follows that rule
 * on it, and `check` compares its recipients with the rule before and after.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkGitopsTree } from "../../gitops/check";
import { encryptSnapshot } from "../../gitops/etcd-snapshot-cipher";
import { defaultSnapshotDir, snapshotFileName } from "../../gitops/etcd-snapshot-files";
import { renderSopsConfig } from "../../kubernetes";
import { generateAgeIdentity, readRecipients } from "../../sops";
import { requireTool, runTool } from "./helpers/tools";

let tree: string;
const at = new Date("2026-12-06T23:52:17Z");
const rel = `${defaultSnapshotDir("homelab")}/${snapshotFileName("homelab", at)}`;

beforeAll(() => {
  tree = mkdtempSync(join(tmpdir(), "talos-homelab-snapshot-rule-compat-"));
  mkdirSync(join(tree, defaultSnapshotDir("homelab")), { recursive: true });
});
afterAll(() => rmSync(tree, { recursive: true, force: true }));

const findings = async (): Promise<string[]> =>
  (await checkGitopsTree(tree, { env: { HOME: join(tree, "nohome") } })).findings.map((f) => `${f.file}: ${f.problem}`);

describe("the etcd snapshots' creation rule with the real sops", () => {
  it("check names a recipient the rule gained, real `sops updatekeys` adds it from the rule, check passes and the new operator decrypts", async () => {
    const sops = requireTool("sops");
    const [first, second, cluster] = await Promise.all([generateAgeIdentity(), generateAgeIdentity(), generateAgeIdentity()]);
    const snapshot = randomBytes(8192);
    writeFileSync(join(tree, rel), await encryptSnapshot(snapshot, [first.recipient], at), { mode: 0o600 });
    writeFileSync(join(tree, ".sops.yaml"), renderSopsConfig({ clusterName: "homelab", recipients: [first.recipient], clusterRecipient: cluster.recipient }));
    expect(await findings()).toEqual([]);

    writeFileSync(join(tree, ".sops.yaml"), renderSopsConfig({ clusterName: "homelab", recipients: [first.recipient, second.recipient], clusterRecipient: cluster.recipient }));
    expect((await findings()).join("\n")).toContain(`${rel}: is not encrypted to ${second.recipient}`);

    const env = { PATH: process.env.PATH, HOME: tree, SOPS_AGE_KEY: first.identity };
    const update = runTool(sops, ["updatekeys", "-y", rel], { cwd: tree, env });
    expect(update.code, update.stderr).toBe(0);
    expect(readRecipients(readFileSync(join(tree, rel)), "binary").sort()).toEqual([first.recipient, second.recipient].sort());
    expect(await findings()).toEqual([]);

    const out = join(tree, "db.snapshot");
    const decrypted = runTool(sops, ["decrypt", "--output", out, rel], { cwd: tree, env: { ...env, SOPS_AGE_KEY: second.identity } });
    expect(decrypted.code, decrypted.stderr).toBe(0);
    expect(readFileSync(out).equals(snapshot)).toBe(true);
    rmSync(out);
  });
});
