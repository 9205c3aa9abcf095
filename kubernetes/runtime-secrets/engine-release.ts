/**
 * The OpenBao or Vault HelmRelease: HA with integrated Raft storage (one peer per replica, joined over TLS), TLS on
 * the API and cluster listeners from the `<engine>-server-tls` Secret, no agent injector (ESO delivers secrets).
 * The two charts share their value layout (OpenBao's is a fork of Vault's); paths and variable names differ.
 */
import { helmRelease } from "./helm-release";
import type { EsoLayer, SecretsEngine } from "./layer-options";
import { engineTlsSecretName } from "./names";
import type { HelmRelease } from "./schemas";
import { OPENBAO_CHART, VAULT_CHART, type ChartSource } from "./versions";

interface EngineFlavour {
  readonly source: ChartSource;
  /** Where the chart mounts user volumes and keeps Raft data. */
  readonly home: string;
  /** Environment variable the CLI in the pod reads its CA bundle from. */
  readonly caCertVariable: string;
}

const FLAVOURS: Readonly<Record<SecretsEngine, EngineFlavour>> = {
  openbao: { source: OPENBAO_CHART, home: "/openbao", caCertVariable: "BAO_CACERT" },
  vault: { source: VAULT_CHART, home: "/vault", caCertVariable: "VAULT_CACERT" },
};

export function engineChart(engine: SecretsEngine): ChartSource {
  return FLAVOURS[engine].source;
}

/** In-cluster API address of the engine's service, as the ClusterSecretStore and the certificate name it. */
export function engineServiceUrl(layer: EsoLayer): string {
  return `https://${layer.engine}.${layer.namespaces.engine}.svc:8200`;
}

function tlsDir(engine: SecretsEngine): string {
  return `${FLAVOURS[engine].home}/userconfig/${engineTlsSecretName(engine)}`;
}

/** The server's HCL: TLS listener, Raft storage joining every peer through the headless service, k8s registration. */
export function raftConfig(layer: EsoLayer): string {
  const { engine } = layer;
  const tls = tlsDir(engine);
  const joins = Array.from({ length: layer.replicas }, (_, i) =>
    [
      "  retry_join {",
      `    leader_api_addr = "https://${engine}-${i}.${engine}-internal:8200"`,
      `    leader_ca_cert_file = "${tls}/ca.crt"`,
      `    leader_client_cert_file = "${tls}/tls.crt"`,
      `    leader_client_key_file = "${tls}/tls.key"`,
      "  }",
    ].join("\n"),
  );
  return [
    "ui = true",
    'listener "tcp" {',
    '  address = "[::]:8200"',
    '  cluster_address = "[::]:8201"',
    `  tls_cert_file = "${tls}/tls.crt"`,
    `  tls_key_file = "${tls}/tls.key"`,
    "}",
    'storage "raft" {',
    `  path = "${FLAVOURS[engine].home}/data"`,
    ...joins,
    "}",
    'service_registration "kubernetes" {}',
    "",
  ].join("\n");
}

export function engineValues(layer: EsoLayer): Record<string, unknown> {
  const { engine } = layer;
  const secretName = engineTlsSecretName(engine);
  return {
    global: { tlsDisable: false },
    injector: { enabled: false },
    server: {
      extraEnvironmentVars: { [FLAVOURS[engine].caCertVariable]: `${tlsDir(engine)}/ca.crt` },
      volumes: [{ name: secretName, secret: { secretName, defaultMode: 0o440 } }],
      volumeMounts: [{ name: secretName, mountPath: tlsDir(engine), readOnly: true }],
      dataStorage: { enabled: true, size: layer.storageSize, ...(layer.storageClass !== undefined ? { storageClass: layer.storageClass } : {}) },
      standalone: { enabled: false },
      ha: { enabled: true, replicas: layer.replicas, raft: { enabled: true, setNodeId: true, config: raftConfig(layer) } },
    },
  };
}

export function engineRelease(layer: EsoLayer): HelmRelease {
  return helmRelease({
    name: layer.engine,
    namespace: layer.namespaces.engine,
    source: engineChart(layer.engine),
    version: layer.chartVersions.engine,
    values: engineValues(layer),
  });
}
