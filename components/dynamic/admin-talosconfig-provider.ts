import { parseSecretsYaml } from "../../talos/secrets-yaml";
import { renderTalosconfig } from "../../talos/talosconfig";
import { adminTalosconfigCredential } from "./admin-talosconfig-logic";
import { issuedCredentialProvider } from "./issued-credential";
import type { ProviderModule } from "./serializable-provider";

/** The AdminTalosconfig provider, loaded by path inside Pulumi's provider process. */
export const adminTalosconfigProvider: ProviderModule = issuedCredentialProvider(adminTalosconfigCredential(renderTalosconfig), {
  parseSecretsYaml,
  now: () => new Date(),
});
