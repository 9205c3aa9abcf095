import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { machineSecretsDeps, machineSecretsProvider } from "../../components/dynamic/machine-secrets-provider";
import {
  type MachineSecretsDeps,
  type MachineSecretsInputs,
  type MachineSecretsOutputs,
  createMachineSecrets,
  machineSecretsInputs,
  readMachineSecrets,
} from "../../components/dynamic/machine-secrets-logic";
import { encryptText, generateAgeIdentity } from "../../sops";
import { parseSecretsYaml } from "../../talos/secrets-yaml";

const dir = mkdtempSync(join(tmpdir(), "machine-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let generated = 0;
const deps: MachineSecretsDeps = {
  ...machineSecretsDeps,
  generateSecretsBundle: async (contract, now) => {
    generated++;
    return machineSecretsDeps.generateSecretsBundle(contract, now);
  },
};

const inputs: MachineSecretsInputs = machineSecretsInputs({ talosVersion: "v1.11.5" });

let created: { id: string; outs: MachineSecretsOutputs };

beforeAll(async () => {
  created = await createMachineSecrets(inputs, deps);
}, 60_000);

describe("TalosMachineSecrets", () => {
  it("generates a valid bundle on create", () => {
    expect(generated).toBe(1);
    expect(created.outs.origin).toBe("generated");
    const bundle = parseSecretsYaml(created.outs.secretsYaml);
    expect(() => deps.validateSecretsBundle(bundle)).not.toThrow();
  });

  it("never changes after create: a new talosVersion or importFrom is only recorded, so the bundle stays known in a preview", async () => {
    for (const news of [inputs, { ...inputs, talosVersion: "v1.12.0" }, { ...inputs, importFrom: "elsewhere.yaml" }]) {
      expect(await machineSecretsProvider.diff?.("id", { ...created.outs }, { ...news })).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    }
    expect(generated).toBe(1);
  });

  it("reads state back unchanged", () => {
    expect(readMachineSecrets("id", created.outs, deps)).toEqual({ id: "id", props: created.outs });
  });

  it("imports an existing secrets.yaml instead of generating", async () => {
    const path = join(dir, "secrets.yaml");
    writeFileSync(path, created.outs.secretsYaml);
    const before = generated;
    const imported = await createMachineSecrets({ ...inputs, importFrom: path }, deps);
    expect(generated).toBe(before);
    expect(imported.outs.secretsYaml).toBe(created.outs.secretsYaml);
    expect(imported.outs.origin).toBe(path);
  });

  it("imports our SOPS-encrypted secrets.sops.yaml with an age identity", async () => {
    const { identity, recipient } = await generateAgeIdentity();
    const path = join(dir, "secrets.sops.yaml");
    writeFileSync(path, await encryptText(created.outs.secretsYaml, { format: "yaml", recipients: [recipient] }));
    const imported = await createMachineSecrets({ ...inputs, importFrom: path, sopsAgeIdentities: [identity] }, deps);
    expect(imported.outs.secretsYaml).toBe(created.outs.secretsYaml);

    const { identity: stranger } = await generateAgeIdentity();
    await expect(createMachineSecrets({ ...inputs, importFrom: path, sopsAgeIdentities: [stranger] }, deps)).rejects.toThrow(
      /cannot decrypt importFrom ".*secrets\.sops\.yaml"/,
    );
  });

  it("refuses to generate when the configured import source is missing, naming the path", async () => {
    const path = join(dir, "gone", "secrets.sops.yaml");
    const before = generated;
    await expect(createMachineSecrets({ ...inputs, importFrom: path }, deps)).rejects.toThrow(
      `TalosMachineSecrets: importFrom "${path}" does not exist. Refusing to generate new machine secrets`,
    );
    expect(generated).toBe(before);
  });

  it("refuses an import source that is not a secrets bundle", async () => {
    const path = join(dir, "not-secrets.yaml");
    writeFileSync(path, "cluster: {}\n");
    await expect(createMachineSecrets({ ...inputs, importFrom: path }, deps)).rejects.toThrow(/is not a valid Talos secrets bundle/);
  });

  it("validates inputs, naming the field", () => {
    expect(() => machineSecretsInputs({})).toThrow('TalosMachineSecrets: "talosVersion" is required');
    expect(() => machineSecretsInputs({ talosVersion: "1.11" })).toThrow(/talosVersion "1.11" is not a Talos version/);
  });
});
