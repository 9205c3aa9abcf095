export { ConfigError, formatIssue, type ConfigIssue } from "./config-error";
export type { HomelabConfig, HomelabNode, ValidatedConfig } from "./homelab-config";
export { SECRET_KEYS, stackConfigSchema, type SecretKey, type StackConfigInput } from "./schema";
export { CONFIG_NAMESPACE, readStackConfig, type RawConfigSource, type RawConfigValue } from "./stack-config";
export { stackFileSource } from "./stack-file";
export { GUEST_AGENT_EXTENSION, validateConfig } from "./validate";
export { RUNTIME_SECRETS_MODES, type RuntimeSecretsConfig, type RuntimeSecretsMode, type SecretsEngine } from "./runtime-secrets";
