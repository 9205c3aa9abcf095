import { renderAdminKubeconfig } from "../../talos/kubeconfig";
import { parseSecretsYaml } from "../../talos/secrets-yaml";
import {
  type AdminKubeconfigDeps,
  type AdminKubeconfigOutputs,
  adminKubeconfigInputs,
  createAdminKubeconfig,
  diffAdminKubeconfig,
  updateAdminKubeconfig,
} from "./admin-kubeconfig-logic";
import type { ProviderModule } from "./serializable-provider";

export const adminKubeconfigDeps: AdminKubeconfigDeps = { parseSecretsYaml, renderAdminKubeconfig, now: () => new Date() };

const outputs = (props: Record<string, unknown>) => props as unknown as AdminKubeconfigOutputs;

/** The AdminKubeconfig provider, loaded by path inside Pulumi's provider process. */
export const adminKubeconfigProvider: ProviderModule = {
  check: async (_olds, news) => {
    adminKubeconfigInputs(news);
    return { inputs: news };
  },
  diff: async (_id, olds, news) => diffAdminKubeconfig(outputs(olds), adminKubeconfigInputs(news), adminKubeconfigDeps),
  create: async (inputs) => createAdminKubeconfig(adminKubeconfigInputs(inputs), adminKubeconfigDeps),
  update: async (_id, olds, news) => updateAdminKubeconfig(outputs(olds), adminKubeconfigInputs(news), adminKubeconfigDeps),
};
