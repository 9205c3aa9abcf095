import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { resolve } from "node:path";
import { GUEST_AGENT_EXTENSION, type HomelabConfig, type HomelabNode } from "../config";
import { buildArtefacts, gitCredentialsFor, renderMachineConfigs, type RenderedMachineConfig } from "../gitops/artefacts";
import { allTreeRecipients, ClusterIdentityError, clusterIdentityRecipient, FLUX_INSTANCE_NAME, FLUX_NAMESPACE, type GitCredentials } from "../kubernetes";
import { MissingOperatorRecipientError, requireOperatorRecipients } from "../gitops/recipients";
import { talosEndpoints } from "../gitops/client-configs";
import { overlapFromTree } from "../gitops/cluster-key-ring";
import { imageFor } from "../gitops/cluster-inputs";
import { readScaffoldKustomizeFiles, sopsCanaryChecks } from "../gitops/flux-scaffold";
import { treePaths } from "../gitops/tree-layout";
import { configDigestKey, configPathDigests } from "../talos/machine-config/path-digests";
import { parseSecretsYaml } from "../talos/secrets-yaml";
import { AdminKubeconfig } from "./admin-kubeconfig";
import { AdminTalosconfig } from "./admin-talosconfig";
import { ClusterAgeIdentity } from "./cluster-age-identity";
import { EncryptedGitopsTree } from "./encrypted-gitops-tree";
import { afterPreflight, etcdRecoveryPreflight } from "./etcd-recovery-preflight";
import { FluxBootstrap } from "./flux-bootstrap";
import { FluxReady } from "./flux-ready";
import { proxmoxProvider } from "./proxmox-provider";
import { TalosBootstrap } from "./talos-bootstrap";
import { TalosClusterHealth } from "./talos-cluster-health";
import { TalosConfigApply } from "./talos-config-apply";
import { TalosImage } from "./talos-image";
import { TalosMachineSecrets } from "./talos-machine-secrets";
import { TalosNode } from "./talos-node";
import type { TalosNodeMembership } from "./talos-node-membership";
import type { TalosNodeUpgrade } from "./talos-node-upgrade";
import { clusterChange, nodeMembership, nodeUpgrade, rolloutOrder } from "./node-rollout";

/** Secret inputs, already wrapped as Pulumi secrets. */
export interface HomelabSecrets {
  readonly proxmoxApiToken?: pulumi.Output<string>;
  readonly gitToken?: pulumi.Output<string>;
  readonly gitSshKey?: pulumi.Output<string>;
  readonly clusterAgeIdentity?: pulumi.Output<string>;
}

export interface HomelabClusterArgs {
  readonly config: HomelabConfig;
  readonly secrets: HomelabSecrets;
  /** Base folder for relative outputDir / secretsImportFrom paths (the project folder). */
  readonly projectDir?: string;
  /**
   * Operator / DR recipients (default: config.ageRecipients): talos/<cluster>/ is encrypted to them only, clusters/<cluster>/
   * to them and the cluster identity. At least one that is not the cluster identity is required unless
   * config.allowClusterIdentityOnly.
   */
  readonly operatorRecipients?: pulumi.Input<string[]>;
}

/** What the machine secrets yield: every later step reads from these. */
interface ClusterSecrets {
  readonly secretsYaml: pulumi.Output<string>;
  readonly talosconfig: pulumi.Output<string>;
  /** The admin kubeconfig (from the secrets alone: known before any node exists). */
  readonly kubeconfig: pulumi.Output<string>;
  readonly bundle: pulumi.Output<ReturnType<typeof parseSecretsYaml>>;
  readonly machineConfigs: pulumi.Output<Record<string, RenderedMachineConfig>>;
}

interface NodeResources {
  readonly vm: TalosNode;
  /** Talos upgrade on a version or schematic change (before the config apply). */
  readonly upgrade: TalosNodeUpgrade;
  readonly apply: TalosConfigApply;
  /** The node's health gate after its apply, and its removal from the cluster on delete. */
  readonly membership: TalosNodeMembership;
}

/** The one check that the cluster has an age identity, given or to be generated; before any resource is registered. */
function requireClusterIdentity(args: HomelabClusterArgs): void {
  if (args.secrets.clusterAgeIdentity !== undefined || args.config.generateClusterAgeIdentity) return;
  const problem = new ClusterIdentityError("talos-homelab:clusterAgeIdentity", "is not set (Flux needs the cluster's age identity)");
  throw new pulumi.RunError(problem.message);
}

/** The operator-recipient requirement, checked before any resource when the recipients are known as plain values. */
function requireOperators(args: HomelabClusterArgs): void {
  const given = args.operatorRecipients ?? [...args.config.ageRecipients];
  if (!Array.isArray(given)) return; // resolved later: checked where the tree is built
  try {
    requireOperatorRecipients(given as string[], operatorRequirement(args.config, args.config.pins.clusterAgeRecipient ?? ""));
  } catch (e) {
    if (e instanceof MissingOperatorRecipientError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

function operatorRequirement(config: HomelabConfig, clusterRecipient: string) {
  return { command: "pulumi up", clusterRecipient, allowClusterIdentityOnly: config.allowClusterIdentityOnly, source: "config ageRecipients" } as const;
}

/** The operators without the cluster's recipient; a pulumi.RunError (no stack trace) when none is left. */
function operatorsBesides(config: HomelabConfig, operators: readonly string[], clusterRecipient: string): string[] {
  try {
    return requireOperatorRecipients(operators, operatorRequirement(config, clusterRecipient));
  } catch (e) {
    if (e instanceof MissingOperatorRecipientError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

/** The whole homelab: image -> secrets -> VMs -> config apply -> bootstrap -> health -> Flux -> encrypted outputs. */
export class HomelabCluster extends pulumi.ComponentResource {
  readonly endpoint: string;
  readonly schematicId: string;
  readonly isoUrl: string;
  readonly nodeIps: Record<string, string>;
  readonly vmIds: pulumi.Output<Record<string, number>>;
  /** SOPS-encrypted YAML (safe to print and commit). */
  readonly talosconfig: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly machineSecrets: pulumi.Output<string>;
  readonly machineConfigs: pulumi.Output<Record<string, string>>;
  /** The Kubernetes provider for the new cluster (plaintext kubeconfig, held as a secret). */
  readonly kubernetesProvider?: k8s.Provider;

  constructor(name: string, args: HomelabClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    requireClusterIdentity(args);
    requireOperators(args);
    const recoverFrom = args.config.etcdRecoverFrom === undefined ? undefined : resolve(args.projectDir ?? process.cwd(), args.config.etcdRecoverFrom);
    // etcdRecoverFrom is checked (exists, decrypts, etcd hash) before any resource is registered
    super("talos-homelab:index:HomelabCluster", name, {}, recoverFrom === undefined ? opts : afterPreflight(opts, etcdRecoveryPreflight(recoverFrom)));
    const { config } = args;
    const projectDir = args.projectDir ?? process.cwd();
    const provider = proxmoxProvider(`${config.clusterName}-proxmox`, config, args.secrets.proxmoxApiToken, { parent: this });
    const talosImage = this.createImage(config, provider);
    const identity = args.secrets.clusterAgeIdentity ?? this.generatedIdentity(config);
    const core = this.createClusterSecrets(config, identity, projectDir);
    const nodes = this.createNodes(config, core, talosImage, provider);
    const { health, kubeconfig } = this.createBootstrap(config, core, nodes, recoverFrom);
    const gitCredentials = this.gitCredentials(config, args.secrets);
    const outputDir = config.outputDir === undefined ? undefined : resolve(projectDir, config.outputDir);
    const previous = this.previousIdentities(config, identity, outputDir);
    // flux.install false: nothing after the health check talks to Kubernetes (the tree still holds the Flux files).
    const flux = config.flux.install ? this.createFlux(config, { kubeconfig, health, identity, previous, gitCredentials }) : undefined;
    this.kubernetesProvider = flux?.provider;

    const operators = pulumi.output(args.operatorRecipients ?? [...config.ageRecipients]);
    const tree = this.createEncryptedOutputs(config, { ...core, operators, kubeconfig, identity, previous, gitCredentials, outputDir });
    if (flux !== undefined && config.flux.readyTimeoutSeconds > 0) this.waitForFlux(config, flux, tree);
    const c = config.clusterName;
    const image = imageFor(config);
    const file = (path: string) => tree.files.apply((files) => files[path] ?? "");
    this.talosconfig = file(treePaths.talosconfig(c));
    this.kubeconfig = file(treePaths.kubeconfig(c));
    this.machineSecrets = file(treePaths.secrets(c));
    this.machineConfigs = tree.files.apply((files) =>
      Object.fromEntries(config.nodes.map((n) => [n.name, files[treePaths.machineConfig(c, n.name)] ?? ""])),
    );
    this.endpoint = config.controlPlane.endpoint;
    this.schematicId = image.schematicId;
    this.isoUrl = image.isoUrl;
    this.nodeIps = Object.fromEntries(config.nodes.map((n) => [n.name, n.address.address]));
    this.vmIds = pulumi.all(Object.fromEntries([...nodes].map(([n, r]) => [n, r.vm.vmId])));
    this.registerOutputs({
      endpoint: this.endpoint,
      talosconfig: this.talosconfig,
      kubeconfig: this.kubeconfig,
      machineSecrets: this.machineSecrets,
      machineConfigs: this.machineConfigs,
    });
  }

  /**
   * A rotation's overlap window (docs/operations.md, "Rotating keys"): the previous cluster identities the tree in
   * outputDir still needs, kept in the `sops-age` Secret until the rotated tree is committed and pushed. Secret.
   */
  private previousIdentities(config: HomelabConfig, identity: pulumi.Output<string>, outputDir: string | undefined): pulumi.Output<string[]> {
    const decision = identity.apply((i) => overlapFromTree(outputDir, config.clusterName, i));
    decision.apply((d) => {
      if (d.dropped > 0) void pulumi.log.info(`rotation overlap over: ${d.dropped} previous cluster identity(ies) dropped from the sops-age Secret`, this);
      for (const reason of d.reasons) void pulumi.log.info(`rotation overlap: the sops-age Secret keeps the previous cluster identity: ${reason}`, this);
    });
    return pulumi.secret(decision.apply((d) => [...d.keep]));
  }

  /** The Talos ISO, uploaded to every Proxmox node that hosts a VM. */
  private createImage(config: HomelabConfig, provider: pulumi.ProviderResource): TalosImage {
    const image = imageFor(config);
    return new TalosImage(
      `${config.clusterName}-talos-image`,
      { isoUrl: image.isoUrl, fileName: image.isoFileName, proxmoxNodes: config.nodes.map((n) => n.proxmoxNode), datastoreId: config.datastores.iso },
      { parent: this, providers: [provider] },
    );
  }

  /** Machine secrets, the admin talosconfig and the machine configs rendered from them. */
  private createClusterSecrets(config: HomelabConfig, identity: pulumi.Output<string>, projectDir: string): ClusterSecrets {
    const c = config.clusterName;
    const secrets = new TalosMachineSecrets(
      `${c}-machine-secrets`,
      {
        talosVersion: config.talosVersion,
        ...(config.secretsImportFrom !== undefined
          ? { importFrom: resolve(projectDir, config.secretsImportFrom), sopsAgeIdentities: identity.apply((i) => [i]) }
          : {}),
      },
      // The bundle is the cluster's identity: a rename or destroy must not silently make a new one.
      { parent: this, protect: true },
    );
    const endpoints = talosEndpoints(config);
    // Apart from the machine secrets, so its renewal leaves the bundle (and every machine config) known in a preview.
    const talosconfig = new AdminTalosconfig(
      `${c}-admin-talosconfig`,
      { secretsYaml: secrets.secretsYaml, clusterName: c, endpoints, nodes: endpoints.slice(0, 1) },
      { parent: this },
    ).talosconfig;
    const kubeconfig = new AdminKubeconfig(
      `${c}-admin-kubeconfig`,
      { secretsYaml: secrets.secretsYaml, clusterName: c, endpoint: config.controlPlane.endpoint },
      { parent: this },
    ).kubeconfig;
    const bundle = secrets.secretsYaml.apply(parseSecretsYaml);
    const machineConfigs = pulumi.secret(bundle.apply((b) => renderMachineConfigs(config, b)));
    return { secretsYaml: secrets.secretsYaml, talosconfig, kubeconfig, bundle, machineConfigs };
  }

  /**
   * One VM per node, and a chain in roll-out order (control planes, then workers): upgrade -> config apply ->
   * membership, each node's upgrade after the previous node's membership. So Pulumi rolls a version change one node
   * at a time behind each node's health gate, and deletes a removed node's membership (drain, etcd leave, reset)
   * before its VM.
   */
  private createNodes(config: HomelabConfig, core: ClusterSecrets, talosImage: TalosImage, provider: pulumi.ProviderResource): Map<string, NodeResources> {
    const c = config.clusterName;
    const nodes = new Map<string, NodeResources>();
    const digestKey = pulumi.secret(core.bundle.apply(configDigestKey));
    const credentials = { talosconfig: core.talosconfig, kubeconfig: core.kubeconfig };
    const change = clusterChange(config, this);
    let previousGate: pulumi.Resource = change;
    for (const node of rolloutOrder(config.nodes)) {
      const machineConfig = core.machineConfigs.apply((all) => (all[node.name] as RenderedMachineConfig).yaml);
      const vm = new TalosNode(
        `${c}-${node.name}`,
        {
          clusterName: c,
          node,
          datastores: config.datastores,
          network: config.network,
          cpuType: config.image.cpuType,
          tpm: config.security.tpmDiskEncryption,
          guestAgent: config.image.extensions.includes(GUEST_AGENT_EXTENSION),
          isoFileId: talosImage.fileIds[node.proxmoxNode] as pulumi.Output<string>,
        },
        { parent: this, providers: [provider] },
      );
      const upgrade = nodeUpgrade(config, node, credentials, { parent: this, dependsOn: [vm.vm, previousGate] });
      const apply = new TalosConfigApply(
        `${c}-${node.name}-config`,
        {
          node: node.address.address,
          machineId: vm.vm.id,
          config: machineConfig,
          // Keyed digests reveal no value: plain, so `pulumi preview --diff` names the config paths that change.
          configPaths: pulumi.unsecret(pulumi.all([machineConfig, digestKey]).apply(([yaml, key]) => configPathDigests(yaml, key))),
          talosconfig: core.talosconfig,
        },
        { parent: this, dependsOn: [vm.vm, upgrade] },
      );
      const membership = nodeMembership(config, node, credentials, { parent: this, dependsOn: [apply], deletedWith: change });
      previousGate = membership;
      nodes.set(node.name, { vm, upgrade, apply, membership });
    }
    return nodes;
  }

  /** Bootstrap etcd on the first control plane, issue the admin kubeconfig, wait for a healthy cluster. */
  private createBootstrap(config: HomelabConfig, core: ClusterSecrets, nodes: Map<string, NodeResources>, recoverFrom: string | undefined) {
    const c = config.clusterName;
    const controlPlanes = config.nodes.filter((n) => n.role === "controlplane");
    const first = nodes.get((controlPlanes[0] as HomelabNode).name) as NodeResources;
    // Bootstrap takes the first control plane's apply outputs, so the engine runs it after that apply.
    const bootstrap = new TalosBootstrap(
      `${c}-bootstrap`,
      { configApply: first.apply, talosconfig: core.talosconfig, ...(recoverFrom !== undefined ? { recoverFrom } : {}) },
      { parent: this },
    );
    const kubeconfig = core.kubeconfig;
    const ref = (n: HomelabNode) => ({ name: n.name, address: n.address.address });
    const health = new TalosClusterHealth(
      `${c}-health`,
      {
        controlPlanes: controlPlanes.map(ref),
        workers: config.nodes.filter((n) => n.role === "worker").map(ref),
        talosconfig: core.talosconfig,
        kubeconfig,
        requireTpmVolumes: config.security.tpmDiskEncryption,
      },
      { parent: this, dependsOn: [bootstrap, ...[...nodes.values()].flatMap((n) => [n.apply, n.membership])] },
    );
    return { health, kubeconfig };
  }

  /** The Kubernetes provider for the healthy cluster, and Flux on it with the cluster identity as its `sops-age` Secret. */
  private createFlux(
    config: HomelabConfig,
    inputs: {
      kubeconfig: pulumi.Output<string>;
      health: TalosClusterHealth;
      identity: pulumi.Output<string>;
      previous: pulumi.Output<string[]>;
      gitCredentials: ReturnType<HomelabCluster["gitCredentials"]>;
    },
  ): { provider: k8s.Provider; bootstrap: FluxBootstrap; kubeconfig: pulumi.Output<string> } {
    const { gitCredentials } = inputs;
    // Known only once the health check has passed, in this run or an earlier one: until then (a first preview, or a
    // preview after an `up` that stopped half-way) the provider is unconfigured and nothing reaches for the cluster.
    const healthyKubeconfig = pulumi.all([inputs.health.healthyAt, inputs.kubeconfig]).apply(([, kubeconfig]) => kubeconfig);
    const provider = new k8s.Provider(
      `${config.clusterName}-kubernetes`,
      // Secret in its own right, not only through AdminKubeconfig's additionalSecretOutputs.
      { kubeconfig: pulumi.secret(healthyKubeconfig) },
      { parent: this, dependsOn: [inputs.health] },
    );
    const bootstrap = new FluxBootstrap(
      `${config.clusterName}-flux`,
      {
        provider,
        clusterHealth: inputs.health,
        clusterIdentity: inputs.identity,
        previousClusterIdentities: inputs.previous,
        repository: { url: config.flux.url, branch: config.flux.branch, path: config.flux.path },
        ...(gitCredentials !== undefined ? { gitCredentials } : {}),
        fluxInstanceManagedBy: config.flux.instanceManagedBy,
      },
      { parent: this, dependsOn: [inputs.health] },
    );
    return { provider, bootstrap, kubeconfig: healthyKubeconfig };
  }

  /**
   * Waits, after Flux is installed and the tree written, until the FluxInstance is Ready and kustomize-controller has
   * decrypted and applied the tree's SOPS canaries from Git (the tree must be pushed for that: see docs/flux.md).
   */
  private waitForFlux(
    config: HomelabConfig,
    flux: { bootstrap: FluxBootstrap; kubeconfig: pulumi.Output<string> },
    tree: EncryptedGitopsTree,
  ): FluxReady {
    return new FluxReady(
      `${config.clusterName}-flux-ready`,
      {
        kubeconfig: flux.kubeconfig,
        namespace: FLUX_NAMESPACE,
        instance: FLUX_INSTANCE_NAME,
        canaries: sopsCanaryChecks(config.clusterName),
        source: `${config.flux.url}@${config.flux.branch}`,
        timeoutSeconds: config.flux.readyTimeoutSeconds,
      },
      { parent: this, dependsOn: [flux.bootstrap.fluxInstance, tree] },
    );
  }

  private generatedIdentity(config: HomelabConfig): pulumi.Output<string> {
    return new ClusterAgeIdentity(`${config.clusterName}-age-identity`, {}, { parent: this, protect: true }).identity;
  }

  private gitCredentials(config: HomelabConfig, secrets: HomelabSecrets) {
    const token = config.flux.transport === "https" ? secrets.gitToken : secrets.gitSshKey;
    if (token === undefined) return undefined;
    const https = config.flux.transport === "https";
    return pulumi.secret(token.apply((value) => gitCredentialsFor(config, https ? { gitToken: value } : { gitSshKey: value }) as GitCredentials));
  }

  /** The SOPS-encrypted GitOps tree: talos/ to the operators only, clusters/ to the operators and the cluster identity. */
  private createEncryptedOutputs(
    config: HomelabConfig,
    inputs: {
      bundle: pulumi.Output<ReturnType<typeof parseSecretsYaml>>;
      machineConfigs: pulumi.Output<Record<string, RenderedMachineConfig>>;
      operators: pulumi.Output<string[]>;
      talosconfig: pulumi.Output<string>;
      kubeconfig: pulumi.Output<string>;
      identity: pulumi.Output<string>;
      previous: pulumi.Output<string[]>;
      gitCredentials: ReturnType<HomelabCluster["gitCredentials"]>;
      outputDir: string | undefined;
    },
  ): EncryptedGitopsTree {
    const recipient = inputs.identity.apply((i) => clusterIdentityRecipient(i));
    // The kustomization.yaml files a person may have added entries to (plain files), read when the program runs.
    const existingKustomizeFiles = inputs.outputDir !== undefined ? readScaffoldKustomizeFiles(inputs.outputDir, config.clusterName) : undefined;
    const operators = pulumi.all([inputs.operators, recipient]).apply(([given, r]) => operatorsBesides(config, given, r));
    const keyRing = pulumi.all([inputs.identity, inputs.previous]);
    const artefacts = pulumi
      .all([inputs.bundle, inputs.machineConfigs, inputs.talosconfig, inputs.kubeconfig, keyRing, recipient, operators, inputs.gitCredentials])
      .apply(([bundle, machineConfigs, talosconfig, kubeconfig, [clusterIdentity, previousClusterIdentities], clusterRecipient, operatorRecipients, gitCredentials]) =>
        buildArtefacts({
          config,
          bundle,
          machineConfigs,
          talosconfig,
          kubeconfig,
          clusterIdentity,
          previousClusterIdentities,
          clusterRecipient,
          operatorRecipients,
          ...(gitCredentials !== undefined ? { gitCredentials } : {}),
          ...(existingKustomizeFiles !== undefined ? { existingKustomizeFiles } : {}),
        }).artefacts,
      );
    return new EncryptedGitopsTree(
      `${config.clusterName}-gitops-tree`,
      {
        artefacts: pulumi.secret(artefacts),
        recipients: pulumi.all([operators, recipient]).apply(([o, r]) => allTreeRecipients({ operators: o, cluster: r })),
        identities: pulumi.secret(pulumi.all([inputs.identity, inputs.previous]).apply(([i, previous]) => [i, ...previous])),
        ...(inputs.outputDir !== undefined ? { outputDir: inputs.outputDir } : {}),
      },
      { parent: this },
    );
  }
}
