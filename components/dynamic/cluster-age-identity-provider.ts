import { generateAgeIdentity, recipientOf } from "../../sops/index";
import {
  type ClusterAgeIdentityDeps,
  type ClusterAgeIdentityOutputs,
  clusterAgeIdentityInputs,
  createClusterAgeIdentity,
  diffClusterAgeIdentity,
  readClusterAgeIdentity,
  updateClusterAgeIdentity,
} from "./cluster-age-identity-logic";
import type { ProviderModule } from "./serializable-provider";

export const clusterAgeIdentityDeps: ClusterAgeIdentityDeps = { generateAgeIdentity, recipientOf };

const outputs = (props: Record<string, unknown>) => props as unknown as ClusterAgeIdentityOutputs;

/** The ClusterAgeIdentity provider, loaded by path inside Pulumi's provider process. */
export const clusterAgeIdentityProvider: ProviderModule = {
  check: async (_olds, news) => {
    clusterAgeIdentityInputs(news);
    return { inputs: news };
  },
  diff: async () => diffClusterAgeIdentity(),
  create: async (inputs) => createClusterAgeIdentity(clusterAgeIdentityInputs(inputs), clusterAgeIdentityDeps),
  update: async (_id, olds, news) => updateClusterAgeIdentity(outputs(olds), clusterAgeIdentityInputs(news)),
  read: async (id, props) => readClusterAgeIdentity(id, outputs(props), clusterAgeIdentityDeps),
  // Nothing exists outside the state; deleting forgets the identity (see ClusterAgeIdentity).
  delete: async () => undefined,
};
