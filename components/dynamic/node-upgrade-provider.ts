import {
  NODE_UPGRADE,
  NODE_UPGRADE_DIFF_IGNORES,
  type NodeUpgradeOutputs,
  checkNodeUpgrade,
  createNodeUpgrade,
  diffNodeUpgrade,
  nodeUpgradeInputs,
  nodeUpgradeTarget,
  updateNodeUpgrade,
} from "./node-upgrade-logic";
import { providerProgress } from "./progress";
import { realClock } from "./rollout-api";
import { liveGateClients } from "./rollout-clients";
import type { ProviderModule } from "./serializable-provider";

const log = providerProgress(NODE_UPGRADE);

/** The TalosNodeUpgrade provider, loaded by path inside Pulumi's provider process. */
export const nodeUpgradeProvider: ProviderModule = {
  diffIgnores: NODE_UPGRADE_DIFF_IGNORES,
  check: async (olds, news) => {
    nodeUpgradeInputs(news);
    checkNodeUpgrade(olds, news);
    return { inputs: news };
  },
  diff: async (_id, olds, news) => diffNodeUpgrade(olds as unknown as NodeUpgradeOutputs, nodeUpgradeTarget(news)),
  create: async (inputs) => createNodeUpgrade(nodeUpgradeInputs(inputs), log),
  update: async (_id, olds, news) => {
    const inputs = nodeUpgradeInputs(news);
    return updateNodeUpgrade(inputs, { clients: liveGateClients(inputs), clock: realClock, log }, olds as Partial<NodeUpgradeOutputs>);
  },
  // The node stays as it is: removing it from the cluster is TalosNodeMembership's delete.
  delete: async () => undefined,
};
