import { renderAdminKubeconfig } from "../../talos/kubeconfig";
import { parseSecretsYaml } from "../../talos/secrets-yaml";
import { adminKubeconfigCredential } from "./admin-kubeconfig-logic";
import { issuedCredentialProvider } from "./issued-credential";
import type { ProviderModule } from "./serializable-provider";

/** The AdminKubeconfig provider, loaded by path inside Pulumi's provider process. */
export const adminKubeconfigProvider: ProviderModule = issuedCredentialProvider(adminKubeconfigCredential(renderAdminKubeconfig), {
  parseSecretsYaml,
  now: () => new Date(),
});
