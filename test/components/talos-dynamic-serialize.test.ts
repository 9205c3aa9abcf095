import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, it } from "vitest";
import { moduleBackedProvider } from "../../components/dynamic/serializable-provider";

const { runSerializedProvider } = require("../support/serialized-provider.cjs") as {
  runSerializedProvider(text: string, operation: string, cwd: string): unknown;
};

const repo = resolve(__dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "talos-dynamic-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Serializes a provider exactly as pulumi.dynamic.Resource does, then loads it in a fresh `node`
 * process (no TypeScript loader, cwd outside the repo) the way Pulumi's dynamic-provider host does
 * (require-from-string + handler()) and runs one operation.
 */
interface Where {
  /** The provider process's working directory (Pulumi starts it in the project directory). */
  readonly cwd?: string;
  /** Rewrites the serialized text, e.g. to pretend it was recorded in a checkout at another path. */
  readonly recordedAt?: (text: string) => string;
}

async function runSerialized(provider: pulumi.dynamic.ResourceProvider, operation: string, where: Where = {}): Promise<unknown> {
  const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  expect(serialized.text).not.toMatch(/from "\.\.?\//);
  const text = where.recordedAt ? where.recordedAt(serialized.text) : serialized.text;
  return runSerializedProvider(text, operation, where.cwd ?? work);
}

describe("dynamic providers survive Pulumi's function serialization", () => {
  it("TalosMachineSecrets create, then AdminTalosconfig create from its bundle, run in fresh node processes", async () => {
    const secrets = (await runSerialized(
      moduleBackedProvider(join(repo, "components/dynamic/machine-secrets-provider"), "machineSecretsProvider"),
      `return provider.create({ talosVersion: "v1.11.5" });`,
    )) as { id: string; outs: { secretsYaml: string; origin: string } };
    expect(secrets.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(secrets.outs.origin).toBe("generated");
    expect(secrets.outs.secretsYaml).toMatch(/^cluster:\n {4}id: /);

    const inputs = { secretsYaml: secrets.outs.secretsYaml, clusterName: "lab", endpoints: ["10.0.0.11"], nodes: [] };
    const talosconfig = (await runSerialized(
      moduleBackedProvider(join(repo, "components/dynamic/admin-talosconfig-provider"), "adminTalosconfigProvider"),
      `return provider.create(${JSON.stringify(inputs)});`,
    )) as { id: string; outs: { talosconfig: string } };
    expect(talosconfig.id).toMatch(/^[0-9a-f]{16}$/);
    expect(talosconfig.outs.talosconfig).toContain("context: lab");
  });

  it("TalosConfigApply diff runs in a fresh node process", async () => {
    const provider = moduleBackedProvider(join(repo, "components/dynamic/config-apply-provider"), "configApplyProvider");
    const result = (await runSerialized(
      provider,
      `return provider.diff("id", { node: "10.0.0.11", configHash: "0" }, { node: "10.0.0.11", config: "x", talosconfig: "t" });`,
    )) as pulumi.dynamic.DiffResult;
    expect(result).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  describe("a provider recorded in the state by a checkout at another path (CI runner, new workstation)", () => {
    const elsewhere = (text: string) => text.split(repo).join("/gone/old-checkout");
    const diff = `return provider.diff("id", { node: "10.0.0.11", configHash: "0" }, { node: "10.0.0.11", config: "x", talosconfig: "t" });`;
    const provider = () => moduleBackedProvider(join(repo, "components/dynamic/config-apply-provider"), "configApplyProvider");

    it("finds its code in the project directory Pulumi runs it from", async () => {
      expect(await runSerialized(provider(), diff, { cwd: repo, recordedAt: elsewhere })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    });

    it("says where it looked and what to do when the code is in neither place", async () => {
      await expect(runSerialized(provider(), diff, { cwd: work, recordedAt: elsewhere })).rejects.toThrow(
        new RegExp(`configApplyProvider: /gone/old-checkout/components/dynamic/config-apply-provider is gone and ${work}/components/dynamic/config-apply-provider does not exist\\. Run pulumi from the talos-homelab project directory`),
      );
    });
  });

  it("names the missing export instead of failing obscurely", async () => {
    const provider = moduleBackedProvider(join(repo, "components/dynamic/inputs"), "noSuchExport");
    await expect(runSerialized(provider, `return provider.diff("id", {}, {});`)).rejects.toThrow(/has no export "noSuchExport"/);
  });
});
