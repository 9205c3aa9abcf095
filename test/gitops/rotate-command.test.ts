/**
 * `rotate` on a rendered tree (the command's core, gitops/rotate.ts): clear errors before anything is written, the
 * stack file follows the rotation, a render afterwards changes nothing but the overlap, and check passes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkGitopsTree } from "../../gitops/check";
import { renderGitopsTree } from "../../gitops/render";
import { rotateGitopsTree } from "../../gitops/rotate";
import { formatAgeKeyFile, generateAgeIdentity } from "../../sops";
import { makeSandbox, snapshot, type Sandbox } from "./sandbox";

let sandbox: Sandbox;
let lines: string[];
const NOW = new Date("2025-06-01T12:00:00Z");

beforeEach(async () => {
  sandbox = makeSandbox();
  lines = [];
  await renderGitopsTree({ stackFile: sandbox.stackFile, env: sandbox.env, now: NOW });
});
afterEach(() => sandbox.cleanup());

async function identityFile(name: string): Promise<{ path: string; identity: string; recipient: string }> {
  const { identity, recipient } = await generateAgeIdentity();
  const path = join(sandbox.root, name);
  writeFileSync(path, formatAgeKeyFile(identity, recipient), { mode: 0o600 });
  return { path, identity, recipient };
}

const rotate = (extra: Partial<Parameters<typeof rotateGitopsTree>[0]> = {}) =>
  rotateGitopsTree({ stackFile: sandbox.stackFile, env: sandbox.env, apply: false, log: (l) => lines.push(l), ...extra });

describe("rotate refuses bad input before writing anything", () => {
  it("names a missing identity file and how to make one", async () => {
    const before = snapshot(sandbox.outDir);
    await expect(rotate({ clusterIdentityFile: join(sandbox.root, "nope.agekey"), apply: true })).rejects.toThrow(/--cluster-identity .*nope\.agekey: cannot read it \(ENOENT\): create it with `talos-homelab age keygen -o/);
    expect(snapshot(sandbox.outDir)).toEqual(before);
  });

  it("refuses an empty --age and a secret key given as a recipient, without echoing the key", async () => {
    await expect(rotate({ age: " , " })).rejects.toThrow(/--age is empty: give at least one operator recipient/);
    const { identity } = await generateAgeIdentity();
    const err = await rotate({ age: identity }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/--age\[0\] = "AGE-SECRET-KEY-…\(redacted\)"/);
    expect((err as Error).message).not.toContain(identity);
  });

  it("refuses a secret key given to --age in lower case (or any spelling) without echoing it", async () => {
    const { identity } = await generateAgeIdentity();
    for (const spelled of [identity.toLowerCase(), identity.toLowerCase().replace(/-/g, "_")]) {
      const err = await rotate({ age: spelled }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      const message = (err as Error).message;
      expect(message).toMatch(/--age\[0\] = "AGE-SECRET-KEY-…\(redacted\)"/);
      expect(message.toLowerCase()).not.toContain(identity.toLowerCase().slice("AGE-SECRET-KEY-1".length));
    }
  });

  it("refuses a sops-age Secret that disagrees with the stack's pin (a forged tree file)", async () => {
    const stack = readFileSync(sandbox.stackFile, "utf8");
    const other = await generateAgeIdentity();
    writeFileSync(sandbox.stackFile, stack.replace(/talos-homelab:clusterAgeRecipient: \S+/, `talos-homelab:clusterAgeRecipient: ${other.recipient}`));
    const fresh = await identityFile("cluster-new.agekey");
    await expect(rotate({ clusterIdentityFile: fresh.path, apply: true })).rejects.toThrow(/but the stack pins talos-homelab:clusterAgeRecipient .*nothing was written/);
  });
});

describe("rotate on a rendered tree", () => {
  it("dry run: a summary with every file and its recipients, no key material, nothing written", async () => {
    const fresh = await identityFile("cluster-new.agekey");
    const before = snapshot(sandbox.outDir);
    const stackBefore = readFileSync(sandbox.stackFile, "utf8");
    const result = await rotate({ clusterIdentityFile: fresh.path });
    expect(result.rotated).toBeUndefined();
    const log = lines.join("\n");
    expect(log).toContain("(dry run: nothing is written; run again with --apply)");
    expect(log).toContain(`-> ${fresh.recipient}`);
    for (const f of result.plan.files) expect(log).toContain(f.path);
    expect(log).not.toMatch(/AGE-SECRET-KEY/i);
    expect(snapshot(sandbox.outDir)).toEqual(before);
    expect(readFileSync(sandbox.stackFile, "utf8")).toBe(stackBefore);
  });

  it("--apply: pins the new cluster recipient and the operators in the stack file; render then keeps the rotated files, check passes", async () => {
    const fresh = await identityFile("cluster-new.agekey");
    const operator = await identityFile("operator-new.agekey");
    const result = await rotate({ clusterIdentityFile: fresh.path, age: operator.recipient, apply: true });
    expect(result.rotated?.length).toBe(result.plan.files.length);
    const config = (parse(readFileSync(sandbox.stackFile, "utf8")) as { config: Record<string, unknown> }).config;
    expect(config["talos-homelab:clusterAgeRecipient"]).toBe(fresh.recipient);
    expect(config["talos-homelab:ageRecipients"]).toEqual([operator.recipient]);
    expect(lines.join("\n")).not.toMatch(/AGE-SECRET-KEY/i);

    const rotated = snapshot(sandbox.outDir);
    const env = { ...sandbox.env, SOPS_AGE_KEY: operator.identity };
    const renderLines: string[] = [];
    await renderGitopsTree({ stackFile: sandbox.stackFile, env, now: NOW, log: (l) => renderLines.push(l) });
    expect(renderLines.join("\n")).toMatch(/Rotation overlap: the sops-age Secret keeps 1 previous cluster identity/);
    const rendered = snapshot(sandbox.outDir);
    for (const [path, file] of rotated) {
      if (path === ".sops.yaml") continue;
      expect(rendered.get(path)?.bytes.equals(file.bytes), path).toBe(true);
    }
    const report = await checkGitopsTree(sandbox.outDir, { env });
    expect(report.findings).toEqual([]);
  });
});
