import { loadRecoverySnapshot } from "../../gitops/etcd-recovery-source";
import { TalosClient } from "../../talos/api/client";
import { bootstrapWithRecovery } from "../../talos/api/etcd-recovery";
import { bootstrapOnce } from "../../talos/api/operations";
import { parseTalosconfigContext } from "../../talos/api/talosconfig-context";
import { BOOTSTRAP, BOOTSTRAP_DIFF_IGNORES, type BootstrapDeps, bootstrapInputs, createBootstrap, diffBootstrap } from "./bootstrap-logic";
import { providerProgress } from "./progress";
import type { ProviderModule } from "./serializable-provider";

export const bootstrapDeps: BootstrapDeps = {
  client: (inputs) => {
    const endpoint = inputs.endpoint ?? inputs.node;
    return TalosClient.configured({
      endpoint,
      node: endpoint === inputs.node ? undefined : inputs.node,
      tls: parseTalosconfigContext(inputs.talosconfig),
    });
  },
  bootstrap: bootstrapOnce,
  loadRecoverySnapshot: (path) => loadRecoverySnapshot(path, { field: "talos-homelab:etcdRecoverFrom", env: process.env }),
  recover: (client, snapshot, policy, log) => bootstrapWithRecovery(client, snapshot, policy, {}, log),
  log: providerProgress(BOOTSTRAP),
};

/** The TalosBootstrap provider, loaded by path inside Pulumi's provider process. */
export const bootstrapProvider: ProviderModule = {
  diffIgnores: BOOTSTRAP_DIFF_IGNORES,
  check: async (_olds, news) => {
    bootstrapInputs(news);
    return { inputs: news };
  },
  diff: async () => diffBootstrap(),
  create: async (inputs) => createBootstrap(bootstrapInputs(inputs), bootstrapDeps),
  update: async (_id, olds) => ({ outs: olds }),
  delete: async () => undefined,
};
