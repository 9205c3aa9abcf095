import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { type Contract, contractFor } from "../../talos/contract";
import type { SecretsBundle } from "../../talos/types";
import { optionalString, requiredString, stringList } from "./inputs";

export const MACHINE_SECRETS = "TalosMachineSecrets";

/** What the machine-secrets provider needs from the Talos and SOPS libraries and the file system. */
export interface MachineSecretsDeps {
  generateSecretsBundle(contract: Contract, now?: Date): Promise<SecretsBundle>;
  serializeSecretsYaml(bundle: SecretsBundle): string;
  parseSecretsYaml(text: string): SecretsBundle;
  validateSecretsBundle(bundle: SecretsBundle): void;
  decryptSopsYaml(encrypted: string, identities: readonly string[] | undefined): Promise<string>;
  readFile(path: string): Promise<string | undefined>;
  now(): Date;
}

export interface MachineSecretsInputs {
  readonly talosVersion: string;
  /** A `secrets.yaml` or SOPS-encrypted `secrets.sops.yaml` to adopt instead of generating. */
  readonly importFrom?: string;
  /** age identities (AGE-SECRET-KEY-1...) for a SOPS import; SOPS_AGE_KEY(_FILE) otherwise. */
  readonly sopsAgeIdentities?: readonly string[];
}

export interface MachineSecretsOutputs extends Omit<MachineSecretsInputs, "sopsAgeIdentities"> {
  /** The bundle as `talosctl gen secrets` writes it. Secret. */
  readonly secretsYaml: string;
  /** "generated" or the path the bundle was imported from. */
  readonly origin: string;
}

/** Output fields Pulumi must store as secrets. */
export const MACHINE_SECRETS_SECRET_OUTPUTS = ["secretsYaml"];

export function machineSecretsInputs(raw: Record<string, unknown>): MachineSecretsInputs {
  const talosVersion = requiredString(MACHINE_SECRETS, raw, "talosVersion");
  contractFor(talosVersion);
  const identities = stringList(MACHINE_SECRETS, raw, "sopsAgeIdentities");
  return {
    talosVersion,
    importFrom: optionalString(MACHINE_SECRETS, raw, "importFrom"),
    sopsAgeIdentities: identities.length > 0 ? identities : undefined,
  };
}

function isSopsEncrypted(path: string, text: string): boolean {
  return /\.sops\.ya?ml$/.test(path) || /^sops:\s*$/m.test(text);
}

/** Loads the bundle to adopt; a configured but missing source is an error, never a reason to generate. */
export async function importSecretsBundle(
  path: string,
  identities: readonly string[] | undefined,
  deps: MachineSecretsDeps,
): Promise<SecretsBundle> {
  const text = await deps.readFile(path);
  if (text === undefined) {
    throw new Error(
      `${MACHINE_SECRETS}: importFrom "${path}" does not exist. Refusing to generate new machine secrets: a new bundle ` +
        "would be a new cluster identity that the existing nodes reject. Restore the file (e.g. talos/<cluster>/secrets.sops.yaml " +
        "from git), fix the path, or remove importFrom to create a brand-new cluster.",
    );
  }
  let plain = text;
  if (isSopsEncrypted(path, text)) {
    try {
      plain = await deps.decryptSopsYaml(text, identities);
    } catch (err) {
      throw new Error(
        `${MACHINE_SECRETS}: cannot decrypt importFrom "${path}": ${(err as Error).message}. Give an age identity that is a ` +
          "recipient of the file (sopsAgeIdentities, SOPS_AGE_KEY or SOPS_AGE_KEY_FILE).",
      );
    }
  }
  let bundle: SecretsBundle;
  try {
    bundle = deps.parseSecretsYaml(plain);
    deps.validateSecretsBundle(bundle);
  } catch (err) {
    throw new Error(`${MACHINE_SECRETS}: importFrom "${path}" is not a valid Talos secrets bundle: ${(err as Error).message}`);
  }
  return bundle;
}

function outputs(inputs: MachineSecretsInputs, secretsYaml: string, origin: string): MachineSecretsOutputs {
  return {
    talosVersion: inputs.talosVersion,
    ...(inputs.importFrom === undefined ? {} : { importFrom: inputs.importFrom }),
    secretsYaml,
    origin,
  };
}

/** Generates the bundle (or imports it) once; nothing later regenerates it. */
export async function createMachineSecrets(
  inputs: MachineSecretsInputs,
  deps: MachineSecretsDeps,
): Promise<{ id: string; outs: MachineSecretsOutputs }> {
  const bundle =
    inputs.importFrom !== undefined
      ? await importSecretsBundle(inputs.importFrom, inputs.sopsAgeIdentities, deps)
      : await deps.generateSecretsBundle(contractFor(inputs.talosVersion), deps.now());
  return { id: randomUUID(), outs: outputs(inputs, deps.serializeSecretsYaml(bundle), inputs.importFrom ?? "generated") };
}

/** Inputs diff never reads: none of them changes the bundle after create. */
export const MACHINE_SECRETS_DIFF_IGNORES = ["talosVersion", "importFrom", "sopsAgeIdentities"];

/**
 * Never a change: the bundle is the cluster's identity, and nothing it was made from changes it later. A
 * changed talosVersion or importFrom is recorded in the inputs; the bundle, and with it every value that
 * depends on it, stays known in a preview.
 */
export function diffMachineSecrets(): pulumi.dynamic.DiffResult {
  return { changes: false, replaces: [], deleteBeforeReplace: false };
}

/** State is the only copy: reading returns its fields (and checks the bundle still parses). */
export function readMachineSecrets(
  id: string,
  props: MachineSecretsOutputs,
  deps: Pick<MachineSecretsDeps, "parseSecretsYaml">,
): { id: string; props: MachineSecretsOutputs } {
  deps.parseSecretsYaml(props.secretsYaml);
  return { id, props: outputs(props, props.secretsYaml, props.origin) };
}
