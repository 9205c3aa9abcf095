/**
 * `rotate --apply` interrupted after any file operation finishes when the same command runs again, also when the
 * cluster identity or the operator set changes: the stack file keeps describing the old tree until every file is
 * rotated, so the re-run neither mistakes the half-rotated tree for a forged one nor loses the operators to remove.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderGitopsTree } from "../../gitops/render";
import { rotateGitopsTree, type RotateOptions } from "../../gitops/rotate";
import { realRotateIo, type RotateIo } from "../../gitops/rotate-apply";
import { encryptBytes, formatAgeKeyFile, formatFromPath, generateAgeIdentity, readRecipients } from "../../sops";
import { openWith } from "./rotate-fixture";
import { makeSandbox, type Sandbox } from "./sandbox";

const NOW = new Date("2025-06-01T12:00:00Z");
const UNCOVERED = "own/uncovered.sops.yaml";
let sandbox: Sandbox | undefined;
afterEach(() => sandbox?.cleanup());

/** Fails the k-th file operation (0-based) of the rotation. */
function failingAt(k: number): RotateIo {
  let n = 0;
  const step = (): void => {
    if (n++ === k) throw new Error(`injected failure at operation ${k}`);
  };
  return {
    write: async (path, data, mode) => {
      step();
      await realRotateIo.write(path, data, mode);
    },
    remove: async (path) => {
      step();
      await realRotateIo.remove(path);
    },
  };
}

function stackConfig(sb: Sandbox): Record<string, unknown> {
  return (parse(readFileSync(sb.stackFile, "utf8")) as { config: Record<string, unknown> }).config;
}

/** Dry run for the file count, then the run interrupted at operation k, then the same command again. */
async function interruptThenRerun(base: RotateOptions, pick: (files: number) => number): Promise<string[]> {
  const { plan } = await rotateGitopsTree({ ...base, apply: false });
  const operations = 2 + 2 * plan.files.length + 1;
  const k = pick(operations);
  await expect(rotateGitopsTree({ ...base, apply: true, io: failingAt(k) })).rejects.toThrow(/injected failure/);
  await rotateGitopsTree({ ...base, apply: true });
  return plan.files.map((f) => f.path);
}

const firstFile = (): number => 2;
const lastFile = (operations: number): number => operations - 3;
const journalRemoval = (operations: number): number => operations - 1;

describe("rotate --apply with a new cluster identity, interrupted and run again", () => {
  it.each([
    ["the first file", firstFile],
    ["the last file", lastFile],
    ["the journal's removal", journalRemoval],
  ])("interrupted at %s: the re-run finishes, every file is for the new identity only, and the stack pins it", async (_where, pick) => {
    const sb = (sandbox = makeSandbox());
    await renderGitopsTree({ stackFile: sb.stackFile, env: sb.env, now: NOW });
    const oldPin = stackConfig(sb)["talos-homelab:clusterAgeRecipient"] as string;
    const fresh = await generateAgeIdentity();
    const identityPath = join(sb.root, "cluster-new.agekey");
    writeFileSync(identityPath, formatAgeKeyFile(fresh.identity, fresh.recipient), { mode: 0o600 });
    const paths = await interruptThenRerun({ stackFile: sb.stackFile, env: sb.env, clusterIdentityFile: identityPath, apply: true }, pick);
    for (const path of paths) {
      const recipients = readRecipients(readFileSync(join(sb.outDir, ...path.split("/"))), formatFromPath(path));
      expect(recipients, path).not.toContain(oldPin);
      if (path.startsWith("clusters/")) {
        expect(recipients, path).toContain(fresh.recipient);
        expect(await openWith(sb.outDir, path, [fresh.identity]), path).toBeDefined();
      }
    }
    expect(stackConfig(sb)["talos-homelab:clusterAgeRecipient"]).toBe(fresh.recipient);
  }, 60_000);
});

describe("rotate --apply with a new operator set (--age), interrupted and run again", () => {
  it.each([
    ["the first file", firstFile],
    ["the last file", lastFile],
  ])("interrupted at %s: the re-run removes the old operator from every file, those no rule covers too", async (_where, pick) => {
    const [kept, removed, added] = await Promise.all([generateAgeIdentity(), generateAgeIdentity(), generateAgeIdentity()]);
    const sb = (sandbox = makeSandbox((c) => (c["talos-homelab:ageRecipients"] = [kept.recipient, removed.recipient])));
    const env = { ...sb.env, SOPS_AGE_KEY: kept.identity };
    await renderGitopsTree({ stackFile: sb.stackFile, env, now: NOW });
    const uncovered = join(sb.outDir, ...UNCOVERED.split("/"));
    mkdirSync(dirname(uncovered), { recursive: true });
    const own = Buffer.from("apiVersion: v1\nkind: Secret\nmetadata:\n    name: own\nstringData:\n    token: user-token\n");
    writeFileSync(uncovered, await encryptBytes(own, { format: "yaml", recipients: [kept.recipient, removed.recipient], env: {} }), { mode: 0o600 });

    const paths = await interruptThenRerun({ stackFile: sb.stackFile, env, age: `${kept.recipient},${added.recipient}`, apply: true }, pick);
    expect(paths).toContain(UNCOVERED);
    for (const path of paths) {
      const recipients = readRecipients(readFileSync(join(sb.outDir, ...path.split("/"))), formatFromPath(path));
      expect(recipients, path).not.toContain(removed.recipient);
      expect(recipients, path).toContain(added.recipient);
      expect(await openWith(sb.outDir, path, [added.identity]), path).toBeDefined();
      expect(await openWith(sb.outDir, path, [removed.identity]), path).toBeUndefined();
    }
    expect(stackConfig(sb)["talos-homelab:ageRecipients"]).toEqual([kept.recipient, added.recipient]);
  }, 60_000);
});
