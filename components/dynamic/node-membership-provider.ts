import {
  NODE_MEMBERSHIP,
  NODE_MEMBERSHIP_DIFF_IGNORES,
  type NodeMembershipOutputs,
  createNodeMembership,
  deleteNodeMembership,
  diffNodeMembership,
  nodeMembershipInputs,
  nodeMembershipTarget,
  updateNodeMembership,
} from "./node-membership-logic";
import { providerProgress } from "./progress";
import { realClock } from "./rollout-api";
import { liveGateClients } from "./rollout-clients";
import type { ProviderModule } from "./serializable-provider";

const log = providerProgress(NODE_MEMBERSHIP);

/** The TalosNodeMembership provider, loaded by path inside Pulumi's provider process. */
export const nodeMembershipProvider: ProviderModule = {
  diffIgnores: NODE_MEMBERSHIP_DIFF_IGNORES,
  check: async (_olds, news) => {
    nodeMembershipInputs(news);
    return { inputs: news };
  },
  diff: async (_id, olds, news) => diffNodeMembership(olds as unknown as NodeMembershipOutputs, nodeMembershipTarget(news)),
  create: async (inputs) => createNodeMembership(nodeMembershipInputs(inputs), log),
  update: async (_id, olds, news) => {
    const inputs = nodeMembershipInputs(news);
    return updateNodeMembership(inputs, olds as Partial<NodeMembershipOutputs>, { clients: liveGateClients(inputs), clock: realClock, log });
  },
  delete: async (_id, props) => {
    const state = nodeMembershipInputs(props);
    await deleteNodeMembership(state, { clients: liveGateClients(state), clock: realClock, log });
  },
};
