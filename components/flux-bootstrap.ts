import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  clusterIdentityRecipient,
  fluxInstance,
  fluxInstanceMetadata,
  fluxNamespace,
  FLUX_NAMESPACE,
  FLUX_OPERATOR_CHART,
  FLUX_OPERATOR_CHART_VERSION,
  gitCredentialsSecretData,
  gitCredentialsSecretMetadata,
  sopsAgeSecretData,
  sopsAgeSecretMetadata,
  type GitCredentials,
  type FluxRepository,
} from "../kubernetes";

export interface FluxBootstrapArgs {
  /** Provider for the new cluster (from the admin kubeconfig). */
  readonly provider: k8s.Provider;
  /** The resource that completes when the cluster is healthy (TalosClusterHealth); everything here waits for it. */
  readonly clusterHealth: pulumi.Resource;
  /** The cluster age identity (`AGE-SECRET-KEY-1…`), a Pulumi secret. */
  readonly clusterIdentity: pulumi.Input<string>;
  /** Previous cluster identities kept during a rotation's overlap window (docs/operations.md, "Rotating keys"). Secret. */
  readonly previousClusterIdentities?: pulumi.Input<pulumi.Input<string>[]>;
  readonly repository: pulumi.Input<FluxRepository>;
  /** Absent for a public repository: then no Secret and no `pullSecret`. */
  readonly gitCredentials?: pulumi.Input<GitCredentials>;
  /**
   * "pulumi" (default): Pulumi keeps the FluxInstance in line with config.
   * "git": Pulumi creates it once and leaves later changes to the copy Flux applies from Git (see docs/flux.md).
   */
  readonly fluxInstanceManagedBy?: "pulumi" | "git";
}

/**
 * Installs Flux through the Flux Operator after the cluster is healthy: the `flux-system` namespace, the `sops-age`
 * and Git credentials Secrets (Pulumi-managed, data kept secret), the operator's Helm chart and the FluxInstance.
 */
export class FluxBootstrap extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  /** The `age1…` recipient of the cluster identity (public): add it to every encryption of cluster secrets. */
  readonly clusterRecipient: pulumi.Output<string>;
  readonly chart: k8s.helm.v4.Chart;
  readonly fluxInstance: k8s.apiextensions.CustomResource;

  constructor(name: string, args: FluxBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
    super("talos-homelab:index:FluxBootstrap", name, {}, opts);
    const base: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };
    const afterHealth = (...more: pulumi.Resource[]): pulumi.CustomResourceOptions => ({
      ...base,
      dependsOn: [args.clusterHealth, ...more],
    });

    const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, fluxNamespace(), afterHealth());

    // The identity is validated inside the secret Output; a malformed one fails the update with a message that names
    // the config key and never the key material.
    const identity = pulumi.secret(args.clusterIdentity);
    this.clusterRecipient = pulumi.unsecret(identity.apply((text) => clusterIdentityRecipient(text)));

    // During a rotation it holds the previous identities too, and Flux is told to leave it alone (an older commit's
    // single-identity copy must not replace it before the rotated tree reaches the cluster).
    const previous = pulumi.secret(pulumi.output(args.previousClusterIdentities ?? []));
    const overlap = pulumi.unsecret(previous.apply((p) => p.length > 0));
    const sopsAge = new k8s.core.v1.Secret(
      `${name}-sops-age`,
      {
        metadata: overlap.apply((o) => sopsAgeSecretMetadata(o)),
        type: "Opaque",
        data: pulumi.all([identity, previous]).apply(([i, p]) => sopsAgeSecretData(i, p)),
      },
      afterHealth(namespace),
    );

    const secrets: pulumi.Resource[] = [sopsAge];
    if (args.gitCredentials !== undefined) {
      const credentials = pulumi.secret(args.gitCredentials);
      secrets.push(
        new k8s.core.v1.Secret(
          `${name}-git-credentials`,
          { metadata: gitCredentialsSecretMetadata(), type: "Opaque", data: credentials.apply(gitCredentialsSecretData) },
          afterHealth(namespace),
        ),
      );
    }

    this.chart = new k8s.helm.v4.Chart(
      `${name}-flux-operator`,
      { chart: FLUX_OPERATOR_CHART, version: FLUX_OPERATOR_CHART_VERSION, name: "flux-operator", namespace: FLUX_NAMESPACE },
      afterHealth(namespace),
    );

    // The FluxInstance CRD comes from the chart above, in the same run. Three things keep that working:
    // - it is a standalone CustomResource, not part of a chart or ConfigGroup, so nothing has to resolve the kind
    //   client-side while rendering (helm.v4 fails there with "failed to determine if the following GVK is
    //   namespaced" when the CRD is not installed yet);
    // - metadata.namespace is set explicitly, so the provider needs no discovery lookup of the kind's scope (which
    //   fails while the CRD is missing); on a first run the kubeconfig is unknown in preview anyway;
    // - dependsOn the chart: a helm.v4 Chart resolves only after all of its children (the CRD included) are created
    //   and ready, so the create is sent once the API server serves fluxcd.controlplane.io/v1.
    const manifest = pulumi
      .output(args.repository)
      .apply((repository) => fluxInstance({ repository, hasGitCredentials: args.gitCredentials !== undefined }));
    this.fluxInstance = new k8s.apiextensions.CustomResource(
      `${name}-flux-instance`,
      { apiVersion: "fluxcd.controlplane.io/v1", kind: "FluxInstance", metadata: fluxInstanceMetadata(), spec: manifest.spec },
      {
        ...afterHealth(namespace, this.chart, ...secrets),
        ...(args.fluxInstanceManagedBy === "git" ? { ignoreChanges: ["spec"] } : {}),
      },
    );

    this.namespace = namespace.metadata.name;
    this.registerOutputs({ namespace: this.namespace, clusterRecipient: this.clusterRecipient });
  }
}
