import * as pulumi from "@pulumi/pulumi";
import { ConfigError, readStackConfig, validateConfig, type SecretKey } from "./config";
import { HomelabCluster, type HomelabSecrets } from "./components/homelab-cluster";
import { MissingOperatorRecipientError, operatorRecipients, requireOperatorRecipientSource } from "./gitops/recipients";
import { ClusterIdentityError, normalizeClusterIdentity } from "./kubernetes";
import { pulumiConfigSource } from "./components/pulumi-config-source";

function loadConfig() {
  try {
    const { input, secrets } = readStackConfig(pulumiConfigSource());
    const { config, warnings } = validateConfig(input);
    if (secrets.clusterAgeIdentity !== undefined) secrets.clusterAgeIdentity = normalizeClusterIdentity(secrets.clusterAgeIdentity);
    for (const warning of warnings) void pulumi.log.warn(warning);
    const wrapped: Partial<Record<SecretKey, pulumi.Output<string>>> = {};
    for (const [key, value] of Object.entries(secrets) as Array<[SecretKey, string]>) wrapped[key] = pulumi.secret(value);
    requireOperatorRecipientSource({
      configRecipients: config.ageRecipients,
      env: process.env,
      allowClusterIdentityOnly: config.allowClusterIdentityOnly,
      ...(config.pins.clusterAgeRecipient !== undefined ? { pinnedClusterRecipient: config.pins.clusterAgeRecipient } : {}),
    });
    return { config, secrets: wrapped as HomelabSecrets };
  } catch (err) {
    // A RunError shows the message without a stack trace, before any resource is created.
    if (err instanceof ConfigError || err instanceof ClusterIdentityError || err instanceof MissingOperatorRecipientError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

const { config, secrets } = loadConfig();
// The same operator recipients `talos-homelab render` uses (without creating an identity), so both write the same files.
const recipients = operatorRecipients({ configRecipients: config.ageRecipients, env: process.env, createDefaultIdentity: false });
recipients.then(
  (choice) =>
    void pulumi.log.info(
      choice.recipients.length > 0
        ? `talos/ outputs are encrypted to the recipients from ${choice.source}; clusters/ outputs to those and the cluster identity`
        : "allowClusterIdentityOnly: every output is encrypted to the cluster identity alone",
    ),
  () => undefined,
);
const cluster = new HomelabCluster(config.clusterName, {
  config,
  secrets,
  projectDir: __dirname,
  operatorRecipients: pulumi.output(recipients.then((choice) => [...choice.recipients])),
});

export const endpoint = cluster.endpoint;
export const nodeIps = cluster.nodeIps;
export const vmIds = cluster.vmIds;
export const schematicId = cluster.schematicId;
export const isoUrl = cluster.isoUrl;
export const talosconfig = cluster.talosconfig;
export const kubeconfig = cluster.kubeconfig;
export const machineSecrets = cluster.machineSecrets;
export const machineConfigs = cluster.machineConfigs;
