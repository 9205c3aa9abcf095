import { readFile } from "node:fs/promises";
import { decryptText, loadAgeIdentities } from "../../sops";
import { generateSecretsBundle } from "../../talos/secrets-bundle";
import { validateSecretsBundle } from "../../talos/secrets-validate";
import { parseSecretsYaml, serializeSecretsYaml } from "../../talos/secrets-yaml";
import {
  MACHINE_SECRETS_DIFF_IGNORES,
  type MachineSecretsDeps,
  type MachineSecretsOutputs,
  createMachineSecrets,
  diffMachineSecrets,
  machineSecretsInputs,
  readMachineSecrets,
} from "./machine-secrets-logic";
import type { ProviderModule } from "./serializable-provider";

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export const machineSecretsDeps: MachineSecretsDeps = {
  generateSecretsBundle,
  serializeSecretsYaml,
  parseSecretsYaml,
  validateSecretsBundle: (bundle) => validateSecretsBundle(bundle),
  // The given identities (the cluster's) and the operator's own where `pulumi up` runs: talos/<cluster>/secrets.sops.yaml
  // is encrypted to the operator recipients only (recipients by need).
  decryptSopsYaml: async (encrypted, identities) => {
    const local = (await loadAgeIdentities(process.env)).map((identity) => identity.secretKey);
    return decryptText(encrypted, { format: "yaml", identities: identities === undefined ? undefined : [...identities, ...local] });
  },
  readFile: readIfExists,
  now: () => new Date(),
};

const outputs = (props: Record<string, unknown>) => props as unknown as MachineSecretsOutputs;

/** The TalosMachineSecrets provider, loaded by path inside Pulumi's provider process. */
export const machineSecretsProvider: ProviderModule = {
  diffIgnores: MACHINE_SECRETS_DIFF_IGNORES,
  check: async (_olds, news) => {
    machineSecretsInputs(news);
    return { inputs: news };
  },
  diff: async () => diffMachineSecrets(),
  create: async (inputs) => createMachineSecrets(machineSecretsInputs(inputs), machineSecretsDeps),
  read: async (id, props) => readMachineSecrets(id, outputs(props), machineSecretsDeps),
};
