/** Where each artefact lives in the GitOps output tree, and how sops encrypts it (matching kubernetes/sops-config.ts). */
import { KUBERNETES_ENCRYPTED_REGEX } from "../kubernetes";
import type { EncryptionRules } from "../sops/index";

/** Paths are relative to the tree root, with `/` separators (as `.sops.yaml` path regexes see them). */
export const treePaths = {
  sopsConfig: ".sops.yaml",
  gitignore: ".gitignore",
  secrets: (cluster: string): string => `talos/${cluster}/secrets.sops.yaml`,
  machineConfig: (cluster: string, node: string): string => `talos/${cluster}/${node}.sops.yaml`,
  talosconfig: (cluster: string): string => `talos/${cluster}/talosconfig.sops.yaml`,
  kubeconfig: (cluster: string): string => `talos/${cluster}/kubeconfig.sops.yaml`,
  sopsAgeSecret: (cluster: string): string => `clusters/${cluster}/flux-system/sops-age.sops.yaml`,
  gitCredentialsSecret: (cluster: string): string => `clusters/${cluster}/flux-system/git-credentials.sops.yaml`,
  fluxInstance: (cluster: string): string => `clusters/${cluster}/flux-system/flux-instance.yaml`,
  /** The `kustomization.yaml` of a folder of `clusters/<cluster>/` ("" for the folder itself). */
  kustomizeFile: (cluster: string, folder: string): string => `clusters/${cluster}/${folder === "" ? "" : `${folder}/`}kustomization.yaml`,
  /** The Flux Kustomization object of a scaffold folder (`infrastructure.yaml`, `apps.yaml`). */
  fluxKustomization: (cluster: string, name: string): string => `clusters/${cluster}/${name}.yaml`,
  sopsCanary: (cluster: string, folder: string, file: string): string => `clusters/${cluster}/${folder}/${file}`,
};

/** Talos files are encrypted whole: no rule field, so sops's default (`_unencrypted` suffix) applies. */
export const TALOS_FILE_RULES: EncryptionRules = {};

/** Kubernetes manifests keep apiVersion/kind/metadata readable; Flux decrypts data and stringData. */
export const KUBERNETES_FILE_RULES: EncryptionRules = { encryptedRegex: KUBERNETES_ENCRYPTED_REGEX };
