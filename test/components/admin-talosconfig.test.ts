import { beforeAll, describe, expect, it } from "vitest";
import { adminTalosconfigCredential } from "../../components/dynamic/admin-talosconfig-logic";
import { issuedCredentialProvider } from "../../components/dynamic/issued-credential";
import type { ProviderModule } from "../../components/dynamic/serializable-provider";
import { parseTalosconfigContext } from "../../talos/api/talosconfig-context";
import { contractFor } from "../../talos/contract";
import { generateSecretsBundle } from "../../talos/secrets-bundle";
import { parseSecretsYaml, serializeSecretsYaml } from "../../talos/secrets-yaml";
import { renderTalosconfig } from "../../talos/talosconfig";

const DAY = 86_400_000;
let clock = Date.now();
const provider: ProviderModule = issuedCredentialProvider(adminTalosconfigCredential(renderTalosconfig), {
  parseSecretsYaml,
  now: () => new Date(clock),
});

let inputs: Record<string, unknown>;
let created: { id: string; outs: Record<string, unknown> };
const talosconfigOf = (outs: Record<string, unknown>) => parseTalosconfigContext(outs.talosconfig as string);

beforeAll(async () => {
  const bundle = await generateSecretsBundle(contractFor("v1.11.5"));
  inputs = { secretsYaml: serializeSecretsYaml(bundle), clusterName: "lab", endpoints: ["10.0.0.11", "10.0.0.12"], nodes: ["10.0.0.11"] };
  const result = await provider.create(inputs);
  created = { id: result.id, outs: result.outs as Record<string, unknown> };
}, 60_000);

describe("AdminTalosconfig", () => {
  it("issues an os:admin talosconfig from the bundle's Talos API CA", () => {
    const bundle = parseSecretsYaml(inputs.secretsYaml as string);
    expect(talosconfigOf(created.outs)).toMatchObject({ name: "lab", endpoints: ["10.0.0.11", "10.0.0.12"], ca: bundle.certs.os.crt });
    expect(created.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it("is stable: the same inputs are no change", async () => {
    expect(await provider.diff?.(created.id, created.outs, inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("re-renders for new endpoints, keeping the client certificate", async () => {
    const news = { ...inputs, endpoints: ["10.0.0.13"] };
    expect((await provider.diff?.(created.id, created.outs, news))?.changes).toBe(true);
    const updated = await provider.update?.(created.id, created.outs, news);
    const after = talosconfigOf(updated?.outs as Record<string, unknown>);
    expect(after.endpoints).toEqual(["10.0.0.13"]);
    expect(after.crt).toBe(talosconfigOf(created.outs).crt);
  });

  it("renews the client certificate within 30 days of expiry, and only then", async () => {
    try {
      clock = Date.now() + 300 * DAY;
      expect((await provider.diff?.(created.id, created.outs, inputs))?.changes).toBe(false);
      clock = Date.now() + 340 * DAY;
      expect((await provider.diff?.(created.id, created.outs, inputs))?.changes).toBe(true);
      const renewed = await provider.update?.(created.id, created.outs, inputs);
      expect(talosconfigOf(renewed?.outs as Record<string, unknown>).crt).not.toBe(talosconfigOf(created.outs).crt);
    } finally {
      clock = Date.now();
    }
  });

  it("names the resource and field of a bad input", async () => {
    await expect(provider.create({ ...inputs, clusterName: "" })).rejects.toThrow('AdminTalosconfig: "clusterName" is required');
  });
});
