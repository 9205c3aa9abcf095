import { applyConfigured, applyFirstConfiguration } from "../../talos/api/operations";
import {
  CONFIG_APPLY,
  CONFIG_APPLY_DIFF_IGNORES,
  type ConfigApplyDeps,
  type ConfigApplyOutputs,
  configApplyInputs,
  configApplyTarget,
  createConfigApply,
  diffConfigApply,
  updateConfigApply,
} from "./config-apply-logic";
import { talosNodeClients } from "./node-clients";
import { providerProgress } from "./progress";
import type { ProviderModule } from "./serializable-provider";

export const configApplyDeps: ConfigApplyDeps = {
  clientsFor: (inputs) =>
    talosNodeClients(inputs.node, {
      endpoint: inputs.endpoint,
      talosconfig: inputs.talosconfig,
      fingerprint: inputs.maintenanceFingerprint,
    }),
  applyFirst: applyFirstConfiguration,
  applyConfigured,
  log: providerProgress(CONFIG_APPLY),
};

/** The TalosConfigApply provider, loaded by path inside Pulumi's provider process. */
export const configApplyProvider: ProviderModule = {
  diffIgnores: CONFIG_APPLY_DIFF_IGNORES,
  check: async (_olds, news) => {
    configApplyInputs(news);
    return { inputs: news };
  },
  diff: async (_id, olds, news) => diffConfigApply(olds as unknown as ConfigApplyOutputs, configApplyTarget(news)),
  create: async (inputs) => createConfigApply(configApplyInputs(inputs), configApplyDeps),
  update: async (_id, olds, news) => updateConfigApply(configApplyInputs(news), configApplyDeps, olds as Partial<ConfigApplyOutputs>),
  // Deleting the resource leaves the node as it is: resetting a node is a deliberate, separate act.
  delete: async () => undefined,
};
