/** `check` on etcd snapshots written where `talos-homelab etcd snapshot` writes them (talos/<c>/etcd-snapshots/). */
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkGitopsTree, MAX_SCANNED_BYTES } from "../../gitops/check";
import { encryptSnapshot } from "../../gitops/etcd-snapshot-cipher";
import { defaultSnapshotDir, snapshotFileName } from "../../gitops/etcd-snapshot-files";
import { renderGitopsTree } from "../../gitops/render";
import { readRecipients } from "../../sops";
import { generateAgeIdentity } from "../../sops/age-identities";
import { makeSandbox, type Sandbox } from "./sandbox";

let sandbox: Sandbox;
let tree: string;
let operators: string[];
const at = new Date("2025-06-02T03:04:05Z");

beforeAll(async () => {
  sandbox = makeSandbox();
  await renderGitopsTree({ stackFile: sandbox.stackFile, env: sandbox.env, now: new Date("2025-06-01T12:00:00Z") });
  // the default recipients of `etcd snapshot`: those of the admin talosconfig
  operators = readRecipients(readFileSync(join(sandbox.outDir, "talos/homelab/talosconfig.sops.yaml")), "yaml");
}, 120_000);
afterAll(() => sandbox.cleanup());

beforeEach(() => {
  tree = mkdtempSync(join(tmpdir(), "talos-homelab-check-snap-"));
  cpSync(sandbox.outDir, tree, { recursive: true });
  mkdirSync(join(tree, defaultSnapshotDir("homelab")), { recursive: true });
});
afterEach(() => rmSync(tree, { recursive: true, force: true }));

async function writeSnapshot(bytes: Buffer, recipients: readonly string[] = operators): Promise<string> {
  const rel = `${defaultSnapshotDir("homelab")}/${snapshotFileName("homelab", at)}`;
  writeFileSync(join(tree, rel), await encryptSnapshot(bytes, recipients, at), { mode: 0o600 });
  return rel;
}

describe("check on etcd snapshots in the default folder", () => {
  it("passes a snapshot written by the real writer: a creation rule covers it, with the operators as recipients", async () => {
    await writeSnapshot(randomBytes(4096));
    const report = await checkGitopsTree(tree, { env: sandbox.env });
    expect(report.findings).toEqual([]);
    expect(report.filesChecked).toBe(23);
  });

  it("names a snapshot encrypted to a stranger instead of the operators (the rule's recipients are compared)", async () => {
    const stranger = await generateAgeIdentity();
    const rel = await writeSnapshot(randomBytes(64), [stranger.recipient]);
    const report = await checkGitopsTree(tree, { env: sandbox.env });
    expect(report.findings.map((f) => `${f.file}: ${f.problem}`).join("\n")).toMatch(new RegExp(`${rel.replace(/\./g, "\\.")}: is not encrypted to ${operators.join(", ")}`));
  });

  it("passes a snapshot larger than the scan limit: its whole payload is one encrypted value", async () => {
    await writeSnapshot(randomBytes(MAX_SCANNED_BYTES + 1024 * 1024));
    const report = await checkGitopsTree(tree, { env: sandbox.env });
    expect(report.findings).toEqual([]);
  }, 60_000);

  it("still names a plaintext file larger than the scan limit, in the snapshot folder or elsewhere", async () => {
    const big = Buffer.alloc(MAX_SCANNED_BYTES + 1, "a");
    writeFileSync(join(tree, "talos/homelab/etcd-snapshots/homelab-etcd-20250602T030405Z.snapshot.sops"), big);
    writeFileSync(join(tree, "clusters/big.bin"), big);
    const report = await checkGitopsTree(tree, { env: sandbox.env });
    const files = report.findings.filter((f) => /too large to scan/.test(f.problem)).map((f) => f.file).sort();
    expect(files).toEqual(["clusters/big.bin", "talos/homelab/etcd-snapshots/homelab-etcd-20250602T030405Z.snapshot.sops"]);
  }, 60_000);

  it("names a large binary-store file whose payload is not one encrypted value", async () => {
    const rel = await writeSnapshot(randomBytes(16));
    const doc = JSON.parse(readFileSync(join(tree, rel), "utf8")) as Record<string, unknown>;
    doc.padding = "x".repeat(MAX_SCANNED_BYTES);
    writeFileSync(join(tree, rel), JSON.stringify(doc));
    const report = await checkGitopsTree(tree, { env: sandbox.env });
    expect(report.findings.filter((f) => f.file === rel).map((f) => f.problem).join("\n")).toMatch(/too large to scan/);
  }, 60_000);
});
