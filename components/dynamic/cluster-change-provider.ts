import { checkClusterChange, clusterChangeInputs, diffClusterChange } from "./cluster-change-logic";
import type { ProviderModule } from "./serializable-provider";

/** The TalosClusterChange provider: all its work is in check (preview); create and update record the inputs. */
export const clusterChangeProvider: ProviderModule = {
  check: async (olds, news) => {
    checkClusterChange(olds, news);
    return { inputs: news };
  },
  diff: async (_id, olds, news) => diffClusterChange(clusterChangeInputs(olds), clusterChangeInputs(news)),
  create: async (inputs) => ({ id: "cluster-change", outs: { ...clusterChangeInputs(inputs) } }),
  update: async (_id, _olds, news) => ({ outs: { ...clusterChangeInputs(news) } }),
  delete: async () => undefined,
};
