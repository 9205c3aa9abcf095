/** The plaintext artefacts of the GitOps output tree: path, content, format and how each one is encrypted. */
import type { HomelabConfig } from "../config";
import {
  fluxInstance,
  gitCredentialsSecret,
  manifestYaml,
  renderGitignore,
  recipientsFor,
  renderSopsRulesBlock,
  sopsAgeSecret,
  type GitCredentials,
  type Readers,
  type TreeRecipients,
} from "../kubernetes";
import { type RenderedMachineConfig, renderMachineConfig } from "../talos/machine-config/render";
import { serializeSecretsYaml } from "../talos/secrets-yaml";
import type { SecretsBundle } from "../talos/types";
import { runtimeSecretsFiles } from "../kubernetes/runtime-secrets";
import type { Artefact } from "./artefact";
import { clusterSpecFor, nodeSpecFor } from "./cluster-inputs";
import { fluxScaffoldArtefacts } from "./flux-scaffold";
import { sopsProbePaths } from "./sops-config-file";
import { KUBERNETES_FILE_RULES, TALOS_FILE_RULES, treePaths } from "./tree-layout";
import { guardArtefacts } from "./guard-files";

export type { RenderedMachineConfig };

export interface TreeInputs {
  readonly config: HomelabConfig;
  readonly bundle: SecretsBundle;
  readonly talosconfig: string;
  readonly kubeconfig: string;
  /** The cluster's age identity (`AGE-SECRET-KEY-1…`), stored in the `sops-age` Secret. */
  readonly clusterIdentity: string;
  /** Previous cluster identities kept in the `sops-age` Secret during a rotation's overlap window. */
  readonly previousClusterIdentities?: readonly string[];
  readonly clusterRecipient: string;
  /** Operator and disaster-recovery recipients (without the cluster's; empty only when the stack opted out). */
  readonly operatorRecipients: readonly string[];
  /** Absent when the repository needs no credentials (then no Secret is written). */
  readonly gitCredentials?: GitCredentials;
  /** The tree's current `kustomization.yaml` files by tree path, so the entries a person added are kept. */
  readonly existingKustomizeFiles?: Readonly<Record<string, string>>;
  /** Machine configs already rendered by `renderMachineConfigs` for this config and bundle (else rendered here). */
  readonly machineConfigs?: Readonly<Record<string, RenderedMachineConfig>>;
}

/** Every node's machine config, keyed by node name: the one place configs are rendered for a cluster. */
export function renderMachineConfigs(config: HomelabConfig, bundle: SecretsBundle): Record<string, RenderedMachineConfig> {
  const clusterSpec = clusterSpecFor(config);
  return Object.fromEntries(config.nodes.map((node) => [node.name, renderMachineConfig(bundle, clusterSpec, nodeSpecFor(config, node))]));
}

export interface BuiltArtefacts {
  readonly artefacts: Artefact[];
}

function talosFile(path: string, description: string, content: string, recipients: TreeRecipients): Artefact {
  return { path, description, content, format: "yaml", encryption: TALOS_FILE_RULES, recipients: recipientsFor("operators", recipients) };
}

function kubernetesSecret(path: string, description: string, content: string, recipients: TreeRecipients): Artefact {
  const readers: Readers = "operators-and-cluster";
  return { path, description, content, format: "yaml", encryption: KUBERNETES_FILE_RULES, recipients: recipientsFor(readers, recipients) };
}

/** The cluster's block of `.sops.yaml`; the probes are the encrypted files written for it. */
function sopsRulesArtefact(inputs: TreeInputs, encrypted: readonly Artefact[]): Artefact {
  const cluster = inputs.config.clusterName;
  return {
    path: treePaths.sopsConfig,
    description: `sops creation rules (block of cluster ${cluster})`,
    content: renderSopsRulesBlock({ clusterName: cluster, recipients: inputs.operatorRecipients, clusterRecipient: inputs.clusterRecipient }),
    format: "yaml",
    sopsRulesBlock: { probes: sopsProbePaths(cluster, encrypted.map((a) => a.path)) },
  };
}

/** Every file of the tree for one cluster, in a stable order. Pure: the same inputs give the same artefacts. */
export function buildArtefacts(inputs: TreeInputs): BuiltArtefacts {
  const { config } = inputs;
  const cluster = config.clusterName;
  const machineConfigs = inputs.machineConfigs ?? renderMachineConfigs(config, inputs.bundle);
  const recipients: TreeRecipients = { operators: inputs.operatorRecipients, cluster: inputs.clusterRecipient };
  const encrypted: Artefact[] = [talosFile(treePaths.secrets(cluster), "machine secrets", serializeSecretsYaml(inputs.bundle), recipients)];
  for (const node of config.nodes) {
    const rendered = machineConfigs[node.name] as RenderedMachineConfig;
    encrypted.push(talosFile(treePaths.machineConfig(cluster, node.name), `machine config ${node.name} (${node.role})`, rendered.yaml, recipients));
  }
  encrypted.push(
    talosFile(treePaths.talosconfig(cluster), "talosconfig", inputs.talosconfig, recipients),
    talosFile(treePaths.kubeconfig(cluster), "admin kubeconfig", inputs.kubeconfig, recipients),
    kubernetesSecret(treePaths.sopsAgeSecret(cluster), "Flux sops-age Secret", manifestYaml(sopsAgeSecret(inputs.clusterIdentity, inputs.previousClusterIdentities ?? [])), recipients),
  );
  if (inputs.gitCredentials !== undefined) {
    encrypted.push(
      kubernetesSecret(treePaths.gitCredentialsSecret(cluster), "Flux Git credentials Secret", manifestYaml(gitCredentialsSecret(inputs.gitCredentials)), recipients),
    );
  }
  const artefacts: Artefact[] = [
    sopsRulesArtefact(inputs, encrypted),
    { path: treePaths.gitignore, description: "gitignore", content: renderGitignore(), format: "binary" },
    ...encrypted,
  ];
  artefacts.push({
    path: treePaths.fluxInstance(cluster),
    description: "FluxInstance",
    content: manifestYaml(
      fluxInstance({
        repository: { url: config.flux.url, branch: config.flux.branch, path: config.flux.path },
        hasGitCredentials: inputs.gitCredentials !== undefined,
      }),
    ),
    format: "yaml",
  });
  artefacts.push(
    ...fluxScaffoldArtefacts({
      cluster,
      hasGitCredentials: inputs.gitCredentials !== undefined,
      runtimeSecrets: config.runtimeSecrets.mode !== "none",
      ...(inputs.existingKustomizeFiles !== undefined ? { existingKustomizeFiles: inputs.existingKustomizeFiles } : {}),
    }),
  );
  artefacts.push(...runtimeSecretsArtefacts(config));
  return { artefacts: [...artefacts, ...guardArtefacts()] };
}

/** The optional runtime secrets layer (config `runtimeSecrets`): plain manifests only, nothing secret in them. */
function runtimeSecretsArtefacts(config: HomelabConfig): Artefact[] {
  return runtimeSecretsFiles(config.clusterName, config.runtimeSecrets).map((file) => ({ ...file, format: "yaml" }));
}

/** The Git credentials the stack provides, if any (token for https, key for ssh). */
export function gitCredentialsFor(
  config: HomelabConfig,
  secrets: { readonly gitToken?: string; readonly gitSshKey?: string },
): GitCredentials | undefined {
  if (config.flux.transport === "https") {
    return secrets.gitToken === undefined ? undefined : { transport: "https", username: config.flux.username, password: secrets.gitToken };
  }
  return secrets.gitSshKey === undefined
    ? undefined
    : { transport: "ssh", identity: secrets.gitSshKey, knownHosts: config.flux.knownHosts ?? "" };
}
