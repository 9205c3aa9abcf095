import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ClusterAgeIdentity } from "../../components/cluster-age-identity";
import * as pulumi from "@pulumi/pulumi";
import { registerUnderMocks } from "./mock-registration";
import { afterAll, describe, expect, it } from "vitest";
import {
  type ClusterAgeIdentityOutputs,
  clusterAgeIdentityInputs,
  createClusterAgeIdentity,
  diffClusterAgeIdentity,
  readClusterAgeIdentity,
  updateClusterAgeIdentity,
} from "../../components/dynamic/cluster-age-identity-logic";
import { clusterAgeIdentityDeps, clusterAgeIdentityProvider } from "../../components/dynamic/cluster-age-identity-provider";
import { moduleBackedProvider } from "../../components/dynamic/serializable-provider";
import { decryptText, encryptText, recipientOf } from "../../sops";

const repo = resolve(__dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "cluster-age-identity-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("ClusterAgeIdentity logic", () => {
  it("generates an X25519 identity whose recipient is the id and the plain output", async () => {
    const { id, outs } = await createClusterAgeIdentity({}, clusterAgeIdentityDeps);
    expect(outs.identity).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]+$/);
    expect(outs.recipient).toMatch(/^age1[0-9a-z]+$/);
    expect(await recipientOf(outs.identity)).toBe(outs.recipient);
    expect(id).toBe(outs.recipient);
  });

  it("generates a different identity on every create (nothing is hard-coded)", async () => {
    const a = await createClusterAgeIdentity({}, clusterAgeIdentityDeps);
    const b = await createClusterAgeIdentity({}, clusterAgeIdentityDeps);
    expect(a.outs.identity).not.toBe(b.outs.identity);
  });

  it("decrypts what is encrypted to its recipient", async () => {
    const { outs } = await createClusterAgeIdentity({}, clusterAgeIdentityDeps);
    const encrypted = await encryptText("token: s3cret\n", { format: "yaml", recipients: [outs.recipient], env: {} });
    expect(await decryptText(encrypted, { format: "yaml", identities: [outs.identity], env: {} })).toBe("token: s3cret\n");
  });

  it("never asks for an update or a replacement, whatever the keepers", async () => {
    const { outs } = await createClusterAgeIdentity(clusterAgeIdentityInputs({ keepers: { rotation: "1" } }), clusterAgeIdentityDeps);
    const viaProvider = await clusterAgeIdentityProvider.diff?.("id", { ...outs }, { keepers: { rotation: "2" } });
    for (const diff of [diffClusterAgeIdentity(), viaProvider]) {
      expect(diff?.changes).toBe(false);
      expect(diff?.replaces).toEqual([]);
    }
  });

  it("keeps the identity across a forced update and a refresh", async () => {
    const { id, outs } = await createClusterAgeIdentity({ keepers: { rotation: "1" } }, clusterAgeIdentityDeps);
    const updated = updateClusterAgeIdentity(outs, { keepers: { rotation: "2" } }).outs;
    expect(updated).toEqual({ keepers: { rotation: "2" }, identity: outs.identity, recipient: outs.recipient });
    expect((await readClusterAgeIdentity(id, updated, clusterAgeIdentityDeps)).props).toEqual(updated);
  });

  it("refuses a state whose identity does not match its recipient", async () => {
    const a = (await createClusterAgeIdentity({}, clusterAgeIdentityDeps)).outs;
    const b = (await createClusterAgeIdentity({}, clusterAgeIdentityDeps)).outs;
    const tampered: ClusterAgeIdentityOutputs = { identity: a.identity, recipient: b.recipient };
    await expect(readClusterAgeIdentity("x", tampered, clusterAgeIdentityDeps)).rejects.toThrow(
      new RegExp(`belongs to ${a.recipient}, not to the recorded recipient ${b.recipient}`),
    );
  });

  it("rejects keepers that are not a map of strings, naming the field", () => {
    expect(() => clusterAgeIdentityInputs({ keepers: ["a"] })).toThrow(/ClusterAgeIdentity: "keepers" must be a map of strings/);
    expect(() => clusterAgeIdentityInputs({ keepers: { a: 1 } })).toThrow(/"keepers"/);
    expect(clusterAgeIdentityInputs({})).toEqual({});
  });
});

describe("ClusterAgeIdentity provider survives Pulumi's function serialization", () => {
  it("creates an identity in a fresh node process", async () => {
    const provider = moduleBackedProvider(join(repo, "components/dynamic/cluster-age-identity-provider"), "clusterAgeIdentityProvider");
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    expect(serialized.text).not.toMatch(/from "\.\.?\//);
    const providerFile = join(work, "provider.js");
    writeFileSync(providerFile, serialized.text);
    const requireFromString = require.resolve("require-from-string", { paths: [require.resolve("@pulumi/pulumi")] });
    const script = `
      const text = require("fs").readFileSync(${JSON.stringify(providerFile)}, "utf8");
      const provider = require(${JSON.stringify(requireFromString)})(text).handler();
      provider.create({}).then((r) => process.stdout.write(JSON.stringify(r)), (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(3); });`;
    const run = spawnSync(process.execPath, ["-e", script], { cwd: work, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as { id: string; outs: ClusterAgeIdentityOutputs };
    expect(await recipientOf(result.outs.identity)).toBe(result.outs.recipient);
    expect(result.id).toBe(result.outs.recipient);
  });
});

describe("ClusterAgeIdentity resource", () => {
  it("asks the engine to keep `identity` secret and registers no identity of its own", async () => {
    const registered = await registerUnderMocks((opts) => new ClusterAgeIdentity("cluster-age", { keepers: { rotation: "1" } }, opts));
    expect(registered).toHaveLength(1);
    expect(registered[0].secretOutputs).toEqual(["identity"]);
    expect(registered[0].inputs.keepers).toEqual({ rotation: "1" });
    expect(registered[0].inputs.identity).toBeUndefined();
  });
});
