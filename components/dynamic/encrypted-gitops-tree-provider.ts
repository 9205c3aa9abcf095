import { ENCRYPTED_GITOPS_TREE, encryptedGitopsTreeInputs } from "./encrypted-gitops-tree-inputs";
import {
  type EncryptedGitopsTreeDeps,
  type EncryptedGitopsTreeOutputs,
  createEncryptedGitopsTree,
  diffEncryptedGitopsTree,
  updateEncryptedGitopsTree,
} from "./encrypted-gitops-tree-logic";
import { loadAgeIdentities } from "../../sops/index";
import { providerProgress } from "./progress";
import type { ProviderModule } from "./serializable-provider";

export const encryptedGitopsTreeDeps: EncryptedGitopsTreeDeps = {
  progress: providerProgress(ENCRYPTED_GITOPS_TREE),
  localIdentities: async () => (await loadAgeIdentities(process.env)).map((identity) => identity.secretKey),
};

const outputs = (props: Record<string, unknown>) => props as unknown as EncryptedGitopsTreeOutputs;

/** The EncryptedGitopsTree provider, loaded by path inside Pulumi's provider process. */
export const encryptedGitopsTreeProvider: ProviderModule = {
  // Values a preview does not know yet never reach here: moduleBackedProvider handles them for every provider.
  check: async (_olds, news) => {
    encryptedGitopsTreeInputs(news);
    return { inputs: news };
  },
  diff: async (_id, olds, news) => diffEncryptedGitopsTree(outputs(olds), encryptedGitopsTreeInputs(news), encryptedGitopsTreeDeps),
  create: async (inputs) => createEncryptedGitopsTree(encryptedGitopsTreeInputs(inputs), encryptedGitopsTreeDeps),
  update: async (_id, olds, news) => updateEncryptedGitopsTree(outputs(olds), encryptedGitopsTreeInputs(news), encryptedGitopsTreeDeps),
  // The files stay on disk: they are the user's Git tree, and removing a resource must not delete history-tracked files.
  delete: async () => undefined,
};
