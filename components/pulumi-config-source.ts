import { CONFIG_NAMESPACE, type RawConfigSource, type RawConfigValue } from "../config";

interface RuntimeConfig {
  getConfig(key: string): string | undefined;
  allConfig(): Record<string, string>;
  isConfigSecret(key: string): boolean;
}

// isConfigSecret is exported by the runtime module but missing from its type declarations.
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as RuntimeConfig;

/** Reads `talos-homelab:<key>` from the running Pulumi stack, with whether it was set as a secret. */
export function pulumiConfigSource(): RawConfigSource {
  const read = (key: string): RawConfigValue | undefined => {
    const fullKey = `${CONFIG_NAMESPACE}:${key}`;
    const value = runtimeConfig.getConfig(fullKey);
    return value === undefined ? undefined : { value, secret: runtimeConfig.isConfigSecret(fullKey) };
  };
  return Object.assign(read, { keys: () => Object.keys(runtimeConfig.allConfig()) });
}
