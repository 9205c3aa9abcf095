/**
 * `talos-homelab render`: the whole encrypted GitOps tree, offline, from the stack file alone, with the same
 * pure steps `pulumi up` runs. Secrets already in the tree are decrypted and reused, never silently regenerated.
 */
import { basename, dirname, resolve } from "node:path";
import { readStackConfig, stackFileSource, validateConfig, type HomelabConfig } from "../config";
import { allTreeRecipients, clusterIdentityRecipient, normalizeClusterIdentity, parseClusterKeyRing, SOPS_AGE_SECRET_KEY } from "../kubernetes";
import { generateAgeIdentity, loadAgeIdentities, redactKeyMaterial } from "../sops/index";
import { generateSecretsBundle } from "../talos/secrets-bundle";
import { parseSecretsYaml } from "../talos/secrets-yaml";
import type { SecretsBundle } from "../talos/types";
import type { WrittenArtefact } from "./artefact";
import { buildArtefacts, gitCredentialsFor } from "./artefacts";
import { kubeconfigFor, talosconfigFor } from "./client-configs";
import { decryptTreeFile, secretValue } from "./existing-tree";
import { operatorRecipients as chooseOperatorRecipients, requireOperatorRecipients, type RecipientChoice } from "./recipients";
import { previousIdentitiesStillNeeded } from "./rotate-overlap";
import { treePaths } from "./tree-layout";
import { UndecryptableTreeFileError } from "./undecryptable";
import { removeStaleLayerFiles } from "./stale-layer-files";
import { writeStackPins } from "./stack-pins";
import {
  existingClusterEvidence,
  identityMismatch,
  machineSecretsFingerprint,
  missingIdentity,
  missingSecrets,
  secretsMismatch,
  unpinned,
  type StackPins,
} from "./tree-trust";
import { writeTree } from "./write-tree";
import { readScaffoldKustomizeFiles } from "./flux-scaffold";

export interface RenderOptions {
  /** `Pulumi.<stack>.yaml`. */
  readonly stackFile: string;
  /** Default: the stack's outputDir (relative to the stack file), else `rendered/<stack>` in the working directory. */
  readonly outDir?: string;
  /** `--age`: comma-separated recipients replacing the configured operator recipients. */
  readonly recipients?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: Date;
  /** One line per call; never receives a secret. */
  readonly log?: (line: string) => void;
  /** `--new-cluster`: ignore the tree's cluster identity and machine secrets, generate new ones and re-pin them. */
  readonly newCluster?: boolean;
  /** `--adopt-tree`: reuse an existing tree that the stack file does not pin yet, and pin it. */
  readonly adoptTree?: boolean;
}

export type Provenance = "reused" | "generated" | "from TALOS_HOMELAB_AGE_IDENTITY";

export interface RenderResult {
  readonly outDir: string;
  readonly files: readonly WrittenArtefact[];
  /** The operator recipients and where they came from (the cluster's recipient is `clusterRecipient`). */
  readonly recipients: RecipientChoice;
  readonly clusterRecipient: string;
  readonly clusterIdentity: Provenance;
  readonly machineSecrets: Exclude<Provenance, "from TALOS_HOMELAB_AGE_IDENTITY">;
  readonly warnings: readonly string[];
}

interface ClusterIdentity {
  readonly identity: string;
  readonly recipient: string;
  readonly provenance: Provenance;
  /** Identities of a rotation still in its overlap window (from the tree's sops-age Secret), newest first. */
  readonly previous: readonly string[];
}

interface TrustContext {
  readonly outDir: string;
  readonly cluster: string;
  readonly pins: StackPins;
  /** Why the tree belongs to an existing cluster, `undefined` for a fresh tree. */
  readonly evidence: string | undefined;
  readonly newCluster: boolean;
  /** Reused values the stack does not pin yet. */
  readonly unpinned: { clusterAgeRecipient?: string; machineSecretsFingerprint?: string };
}

/** The cluster identity: configured, else the one in the existing sops-age Secret (if the pin agrees), else a new one. */
async function clusterIdentityFor(configured: string | undefined, trust: TrustContext, identities: readonly string[]): Promise<ClusterIdentity> {
  const pinned = trust.pins.clusterAgeRecipient;
  const path = treePaths.sopsAgeSecret(trust.cluster);
  if (configured !== undefined) {
    const identity = normalizeClusterIdentity(configured, "TALOS_HOMELAB_AGE_IDENTITY");
    const recipient = await clusterIdentityRecipient(identity);
    if (pinned !== undefined && recipient !== pinned && !trust.newCluster) throw identityMismatch("TALOS_HOMELAB_AGE_IDENTITY", recipient, pinned);
    const stored = trust.newCluster ? undefined : await keyRingToKeep(trust.outDir, path, [identity, ...identities]);
    const previous = stored === undefined ? [] : [stored.current, ...stored.previous].filter((i) => i !== identity);
    return { identity, recipient, provenance: "from TALOS_HOMELAB_AGE_IDENTITY", previous };
  }
  const ring = trust.newCluster ? undefined : await storedKeyRing(trust.outDir, path, identities);
  if (ring !== undefined) {
    const recipient = await clusterIdentityRecipient(ring.current);
    if (pinned === undefined) trust.unpinned.clusterAgeRecipient = recipient;
    else if (recipient !== pinned) throw identityMismatch(path, recipient, pinned);
    return { identity: ring.current, recipient, provenance: "reused", previous: ring.previous };
  }
  if (trust.evidence !== undefined && !trust.newCluster) throw missingIdentity(path, trust.evidence);
  const { identity, recipient } = await generateAgeIdentity();
  return { identity, recipient, provenance: "generated", previous: [] };
}

/**
 * The stored key ring whose other identities a configured identity keeps (the rotation overlap): `undefined` only when
 * the file does not exist; any other failure stops the render, which would otherwise drop the previous identity.
 */
async function keyRingToKeep(outDir: string, path: string, identities: readonly string[]): Promise<ReturnType<typeof parseClusterKeyRing> | undefined> {
  try {
    return await storedKeyRing(outDir, path, identities);
  } catch (e) {
    if (e instanceof UndecryptableTreeFileError) throw e; // names the file and the identity it needs
    const reason = redactKeyMaterial((e as Error).message.split("\n")[0]);
    throw new Error(
      `${path}: cannot read the cluster identities it holds (${reason}), so render cannot keep the previous identity of a rotation: ` +
        `nothing was written. Restore the file from Git (git log -- ${path}), or make it readable with an operator identity (SOPS_AGE_KEY_FILE)`,
    );
  }
}

/** The identities in the tree's sops-age Secret (current first), `undefined` when the file does not exist. */
async function storedKeyRing(outDir: string, path: string, identities: readonly string[]): Promise<ReturnType<typeof parseClusterKeyRing> | undefined> {
  const manifest = await decryptTreeFile(outDir, path, identities);
  if (manifest === undefined) return undefined;
  const stored = secretValue(manifest, SOPS_AGE_SECRET_KEY);
  if (stored === undefined) {
    throw new Error(`${path} decrypts but has no ${SOPS_AGE_SECRET_KEY} entry: restore it from Git, or set TALOS_HOMELAB_AGE_IDENTITY`);
  }
  return parseClusterKeyRing(stored, path);
}

async function machineSecretsFor(
  config: HomelabConfig,
  trust: TrustContext,
  identities: readonly string[],
  now: Date,
): Promise<{ bundle: SecretsBundle; provenance: "reused" | "generated" }> {
  const path = treePaths.secrets(config.clusterName);
  const existing = trust.newCluster ? undefined : await decryptTreeFile(trust.outDir, path, identities);
  if (existing === undefined) {
    if (trust.evidence !== undefined && !trust.newCluster) throw missingSecrets(path, trust.evidence);
    return { bundle: await generateSecretsBundle(config.contract, now), provenance: "generated" };
  }
  let bundle: SecretsBundle;
  try {
    bundle = parseSecretsYaml(existing);
  } catch (e) {
    throw new Error(`${path} decrypts but is not a Talos secrets bundle (${(e as Error).message}): restore it from Git; it is not regenerated automatically`);
  }
  const fingerprint = machineSecretsFingerprint(bundle);
  const pinned = trust.pins.machineSecretsFingerprint;
  if (pinned === undefined) trust.unpinned.machineSecretsFingerprint = fingerprint;
  else if (fingerprint !== pinned) throw secretsMismatch(path, fingerprint, pinned);
  return { bundle, provenance: "reused" };
}

function announceRecipients(choice: RecipientChoice, operators: readonly string[], log: (line: string) => void): void {
  const id = choice.defaultIdentity;
  if (operators.length === 0) {
    log("allowClusterIdentityOnly is set and no operator recipient is configured: EVERY file, talos/ included, is encrypted to the cluster identity alone.");
    return;
  }
  if (id?.created) {
    const bar = "!".repeat(78);
    log(bar);
    log(`!! A new age identity was created at ${id.path}`);
    log("!! It decrypts every file of the rendered tree. BACK IT UP NOW (password manager, offline copy):");
    log("!! without it the machine secrets, talosconfig and kubeconfig cannot be recovered.");
    log(`!! Its recipient: ${choice.recipients[0]}`);
    log(bar);
  } else if (id !== undefined) {
    log(`Encrypting to the age identity at ${id.path} (no ageRecipients configured); keep it backed up.`);
  } else {
    log(`Encrypting to the recipients from ${choice.source}.`);
  }
  log("talos/ files are encrypted to these operator recipients only; clusters/ files also to the cluster identity (Flux).");
}

const STATUS_WIDTH = "unchanged".length;

function progressLine(file: WrittenArtefact): string {
  return `  ${file.status.padEnd(STATUS_WIDTH)}  ${file.path}  (${file.description}${file.encrypted ? ", sops-encrypted" : ""})`;
}

function summaryLine(files: readonly WrittenArtefact[]): string {
  const count = (s: WrittenArtefact["status"]): number => files.filter((f) => f.status === s).length;
  const changed = count("created") + count("updated");
  return changed === 0
    ? `No change: all ${files.length} files are up to date.`
    : `${count("created")} created, ${count("updated")} updated, ${count("unchanged")} unchanged (${files.length} files).`;
}

/** `homelab` for `Pulumi.homelab.yaml`. */
export function stackNameOf(stackFile: string): string {
  const match = /^Pulumi\.(.+)\.ya?ml$/.exec(basename(stackFile));
  return match?.[1] ?? basename(stackFile).replace(/\.ya?ml$/, "");
}

export function outDirFor(opts: Pick<RenderOptions, "outDir" | "stackFile">, config: HomelabConfig): string {
  if (opts.outDir !== undefined) return resolve(opts.outDir);
  if (config.outputDir !== undefined) return resolve(dirname(opts.stackFile), config.outputDir);
  return resolve("rendered", stackNameOf(opts.stackFile));
}

export async function renderGitopsTree(opts: RenderOptions): Promise<RenderResult> {
  const env = opts.env ?? process.env;
  const now = opts.now ?? new Date();
  const log = opts.log ?? ((): void => undefined);

  const { input, secrets } = readStackConfig(stackFileSource(opts.stackFile), env);
  const { config, warnings } = validateConfig(input);
  const outDir = outDirFor(opts, config);
  const cluster = config.clusterName;
  log(`Rendering cluster "${cluster}" (Talos ${config.talosVersion}, Kubernetes ${config.kubernetesVersion}, ${config.nodes.length} nodes) into ${outDir}`);

  const envIdentities = (await loadAgeIdentities(env)).map((i) => i.secretKey);
  const trust: TrustContext = {
    outDir,
    cluster,
    pins: config.pins,
    evidence: existingClusterEvidence(outDir, cluster, config.nodes.map((n) => n.name), config.pins),
    newCluster: opts.newCluster === true,
    unpinned: {},
  };
  const clusterIdentity = await clusterIdentityFor(secrets.clusterAgeIdentity, trust, envIdentities);
  const clusterRecipient = clusterIdentity.recipient;
  const choice = await chooseOperatorRecipients({
    ...(opts.recipients !== undefined ? { override: opts.recipients } : {}),
    configRecipients: config.ageRecipients,
    env,
  });
  const operatorRecipients = requireOperatorRecipients(choice.recipients, {
    command: "render",
    clusterRecipient,
    allowClusterIdentityOnly: config.allowClusterIdentityOnly,
    source: choice.source,
  });
  announceRecipients(choice, operatorRecipients, log);
  log(`Cluster age identity: ${clusterIdentity.provenance} (recipient ${clusterRecipient}), kept in ${treePaths.sopsAgeSecret(cluster)}`);

  const overlap = await previousIdentitiesStillNeeded(outDir, { current: clusterIdentity.identity, previous: clusterIdentity.previous });
  if (overlap.dropped > 0) log(`Rotation overlap over: ${overlap.dropped} previous cluster identit${overlap.dropped === 1 ? "y" : "ies"} dropped from the sops-age Secret.`);
  if (overlap.keep.length > 0) log(`Rotation overlap: the sops-age Secret keeps ${overlap.keep.length} previous cluster identit${overlap.keep.length === 1 ? "y" : "ies"}: ${overlap.reasons.join("; ")}`);
  const identities = [clusterIdentity.identity, ...clusterIdentity.previous, ...envIdentities];
  const secretsBundle = await machineSecretsFor(config, trust, identities, now);
  if (Object.keys(trust.unpinned).length > 0 && opts.adoptTree !== true) throw unpinned(opts.stackFile, outDir, trust.unpinned);
  log(`Machine secrets: ${secretsBundle.provenance}`);
  const talosconfig = await talosconfigFor(config, secretsBundle.bundle, await decryptTreeFile(outDir, treePaths.talosconfig(cluster), identities), now);
  const kubeconfig = await kubeconfigFor(config, secretsBundle.bundle, await decryptTreeFile(outDir, treePaths.kubeconfig(cluster), identities), now);

  const gitCredentials = gitCredentialsFor(config, secrets);
  const built = buildArtefacts({
    config,
    bundle: secretsBundle.bundle,
    talosconfig,
    kubeconfig,
    clusterIdentity: clusterIdentity.identity,
    previousClusterIdentities: overlap.keep,
    clusterRecipient,
    operatorRecipients,
    ...(gitCredentials !== undefined ? { gitCredentials } : {}),
    existingKustomizeFiles: readScaffoldKustomizeFiles(outDir, cluster),
  });
  if (gitCredentials === undefined) {
    log(`No Git credentials configured: ${treePaths.gitCredentialsSecret(cluster)} is not written (set TALOS_HOMELAB_GIT_TOKEN for a private https repository).`);
  }

  const files = await writeTree(outDir, built.artefacts, {
    recipients: allTreeRecipients({ operators: operatorRecipients, cluster: clusterRecipient }),
    identities,
    now,
    onWritten: (file) => log(progressLine(file)),
    onNote: log,
  });
  for (const path of await removeStaleLayerFiles(outDir, cluster, config.runtimeSecrets)) log(`removed ${path} (runtimeSecrets is now ${config.runtimeSecrets.mode})`);
  const pinned = await writeStackPins(opts.stackFile, {
    clusterAgeRecipient: clusterRecipient,
    machineSecretsFingerprint: machineSecretsFingerprint(secretsBundle.bundle),
  });
  for (const line of pinned) log(`Pinned ${line} in ${opts.stackFile}: commit it with the tree (render reuses the tree only while it matches).`);
  for (const w of warnings) log(`warning: ${w}`);
  log(summaryLine(files));
  return {
    outDir,
    files,
    recipients: choice,
    clusterRecipient,
    clusterIdentity: clusterIdentity.provenance,
    machineSecrets: secretsBundle.provenance,
    warnings,
  };
}
