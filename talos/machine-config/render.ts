import type { ClusterSpec, NodeRole, NodeSpec, SecretsBundle } from "../types";
import { applyPatch, encodeConfig, loadPatch } from "../patches/apply";
import { MULTI_DOCUMENT_JSON_PATCH_ERROR } from "../patches/json-patch";
import type { ConfigDocument } from "../patches/yaml-value";
import { baseMachineConfig } from "./base";
import { namedMachineConfigPatches } from "./patch-set";
import { clusterSpecProblems, nodeSpecProblems } from "./validate-inputs";
import { renderedConfigProblems } from "./validate-rendered";

/** The operator is told about the weaker nodeID disk key by config validation, which names their key. */
export interface RenderedMachineConfig {
  /** The machine config as Talos encodes it (multi-document, `---` separated, no comments). */
  readonly yaml: string;
}

/** The oracle's inputs: Talos's generator gets the base inputs, then applies `patches` in order. */
export interface MachineConfigCompareSpec {
  readonly clusterName: string;
  readonly endpoint: string;
  readonly kubernetesVersion: string;
  readonly talosVersion: string;
  readonly role: NodeRole;
  readonly patches: string[];
}

export class MachineConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `machine config inputs are invalid:\n- ${problems.join("\n- ")}`);
    this.name = "MachineConfigError";
  }
}

/**
 * Renders one node's machine config: Talos's generated base config for the cluster inputs, then our
 * patches and the user's, with Talos's patch semantics. Pure and deterministic.
 */
export function renderMachineConfig(bundle: SecretsBundle, cluster: ClusterSpec, node: NodeSpec): RenderedMachineConfig {
  const inputProblems = [...clusterSpecProblems(cluster), ...nodeSpecProblems(cluster, node)];
  if (inputProblems.length > 0) throw new MachineConfigError(inputProblems);

  let docs: ConfigDocument[] = baseMachineConfig({
    contract: cluster.contract,
    clusterName: cluster.clusterName,
    endpoint: cluster.endpoint,
    kubernetesVersion: cluster.kubernetesVersion,
    role: node.role,
    bundle,
  });
  for (const { source, text } of namedMachineConfigPatches(cluster, node)) {
    docs = applyNamedPatch(docs, text, source);
  }

  const problems = renderedConfigProblems(docs, node);
  if (problems.length > 0) throw new MachineConfigError(problems);

  return { yaml: encodeConfig(docs) };
}

function applyNamedPatch(docs: ConfigDocument[], text: string, source: string): ConfigDocument[] {
  try {
    return applyPatch(docs, loadPatch(text, source));
  } catch (e) {
    const message = (e as Error).message;
    if (message === MULTI_DOCUMENT_JSON_PATCH_ERROR) {
      const kinds = docs.map((d) => (typeof d.kind === "string" ? `${d.kind}${typeof d.name === "string" ? ` ${d.name}` : ""}` : "v1alpha1"));
      throw new MachineConfigError([
        `${source}: ${message} (this config has ${docs.length} documents: ${kinds.join(", ")}): ` +
          "rewrite the patch as a strategic merge patch (a YAML map shaped like the config)",
      ]);
    }
    throw new MachineConfigError([message.startsWith(source) ? message : `${source}: ${message}`]);
  }
}

/** The inputs `talos-oracle compare` needs to regenerate this node's config with Talos's own code. */
export function machineConfigCompareSpec(_bundle: SecretsBundle, cluster: ClusterSpec, node: NodeSpec): MachineConfigCompareSpec {
  return {
    clusterName: cluster.clusterName,
    endpoint: cluster.endpoint,
    kubernetesVersion: cluster.kubernetesVersion,
    talosVersion: cluster.contract.talosVersion,
    role: node.role,
    patches: namedMachineConfigPatches(cluster, node).map((p) => p.text),
  };
}
