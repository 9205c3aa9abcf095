/**
 * `talos-homelab rotate`: a new cluster identity and/or a changed operator set, and a fresh data key for every SOPS
 * file under the tree (a true rotation, not a re-wrap). Dry run by default: the summary names files and recipients,
 * never key material. `apply` writes: `.sops.yaml`, each file atomically, then the stack file (pin and operators).
 */
import { readFileSync } from "node:fs";
import { readStackConfig, stackFileSource, validateConfig } from "../config";
import { clusterIdentityRecipient, normalizeClusterIdentity, parseClusterKeyRing, SOPS_AGE_SECRET_KEY } from "../kubernetes";
import { ageRecipientProblem, loadAgeIdentities, shownAgeValue } from "../sops/index";
import { decryptTreeFile, secretValue } from "./existing-tree";
import { operatorRecipients, splitRecipients } from "./recipients";
import { outDirFor } from "./render";
import { applyRotation, type RotateIo } from "./rotate-apply";
import { readJournal } from "./rotate-journal";
import { planRotation, type RotatePlan } from "./rotate-plan";
import { nextSteps, summary } from "./rotate-summary";
import type { RecipientChange } from "./rotate-recipients";
import { writeStackRotation } from "./rotate-stack";
import { treePaths } from "./tree-layout";

// The CLI checks these with instanceof: re-exported so they come from the same bundle as the code that throws them.
export { ConfigError } from "../config";
export { RotationBlockedError } from "./rotate-apply";

export interface RotateOptions {
  readonly stackFile: string;
  /** The tree root (default: the stack's outputDir, as render). */
  readonly dir?: string;
  /** A file holding the new cluster identity (`talos-homelab age keygen -o`). */
  readonly clusterIdentityFile?: string;
  /** `--age`: the new operator recipients, comma-separated (replacing the stack's). */
  readonly age?: string;
  readonly apply: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
  readonly io?: RotateIo;
}

export interface RotateResult {
  readonly plan: RotatePlan;
  /** Files rotated by this run; `undefined` for a dry run. */
  readonly rotated?: readonly string[];
}

interface ClusterKeys {
  /** The identities able to open the tree today (current and previous cluster identities). */
  readonly identities: string[];
  readonly oldRecipient?: string;
}

function newIdentityFrom(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`--cluster-identity ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? "error"}): create it with \`talos-homelab age keygen -o ${file}\``);
  }
  return normalizeClusterIdentity(text, `--cluster-identity ${file}`);
}

/** The cluster identities in the tree's sops-age Secret, checked against the pin (or the new recipient on a re-run). */
async function clusterKeysOf(root: string, cluster: string, identities: readonly string[], pinned: string | undefined, newRecipient: string | undefined): Promise<ClusterKeys> {
  const path = treePaths.sopsAgeSecret(cluster);
  const manifest = await decryptTreeFile(root, path, identities);
  const stored = manifest === undefined ? undefined : secretValue(manifest, SOPS_AGE_SECRET_KEY);
  if (stored === undefined) return { identities: [] };
  const ring = parseClusterKeyRing(stored, path);
  const members = [ring.current, ...ring.previous];
  const current = await clusterIdentityRecipient(ring.current, path);
  if (pinned !== undefined && current !== pinned && current !== newRecipient) {
    throw new Error(
      `${path} holds the cluster identity of ${current}, but the stack pins talos-homelab:clusterAgeRecipient ${pinned}: nothing was written. ` +
        "A tree file can be forged by anyone who can read .sops.yaml: restore it from Git history (git log -- <file>) before rotating",
    );
  }
  const old = current === newRecipient ? ring.previous[0] : ring.current;
  return { identities: members, ...(old !== undefined ? { oldRecipient: await clusterIdentityRecipient(old, path) } : {}) };
}

function checkRecipients(list: readonly string[], field: string): void {
  list.forEach((r, i) => {
    const problem = ageRecipientProblem(r);
    if (problem !== undefined) throw new Error(`${field}[${i}] = "${shownAgeValue(r)}": ${problem}`);
  });
}

/** The `--age` operator set, checked; `undefined` when the operators do not change. */
function nextOperators(age: string | undefined): string[] | undefined {
  if (age === undefined) return undefined;
  const next = splitRecipients(age);
  if (next.length === 0) throw new Error("--age is empty: give at least one operator recipient (age1…), e.g. from `talos-homelab age keygen`");
  checkRecipients(next, "--age");
  return next;
}

export async function rotateGitopsTree(opts: RotateOptions): Promise<RotateResult> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((): void => undefined);
  const { input, secrets } = readStackConfig(stackFileSource(opts.stackFile), env);
  const { config } = validateConfig(input);
  const root = outDirFor({ stackFile: opts.stackFile, ...(opts.dir !== undefined ? { outDir: opts.dir } : {}) }, config);
  const envIdentities = (await loadAgeIdentities(env)).map((i) => i.secretKey);
  const configured = secrets.clusterAgeIdentity !== undefined ? [normalizeClusterIdentity(secrets.clusterAgeIdentity, "TALOS_HOMELAB_AGE_IDENTITY")] : [];
  const newIdentity = opts.clusterIdentityFile !== undefined ? newIdentityFrom(opts.clusterIdentityFile) : undefined;
  const newRecipient = newIdentity !== undefined ? await clusterIdentityRecipient(newIdentity, "--cluster-identity") : undefined;
  const known = [...configured, ...envIdentities, ...(newIdentity !== undefined ? [newIdentity] : [])];
  const cluster = await clusterKeysOf(root, config.clusterName, known, config.pins.clusterAgeRecipient, newRecipient);
  if (newRecipient !== undefined && cluster.oldRecipient === undefined) {
    throw new Error(`${treePaths.sopsAgeSecret(config.clusterName)} in ${root} is missing or unreadable with the available identities, so the current cluster identity is unknown: nothing was written`);
  }

  const operatorsNow = (await operatorRecipients({ configRecipients: config.ageRecipients, env, createDefaultIdentity: false })).recipients;
  const operatorsNext = nextOperators(opts.age);
  const change: RecipientChange = {
    ...(newRecipient !== undefined && cluster.oldRecipient !== undefined ? { cluster: { from: cluster.oldRecipient, to: newRecipient } } : {}),
    ...(operatorsNext !== undefined ? { operators: { from: operatorsNow, to: operatorsNext } } : {}),
  };
  const identities = [...new Set([...cluster.identities, ...known])];
  const plan = await planRotation({ root, change, identities, ...(newIdentity !== undefined ? { newClusterIdentity: newIdentity } : {}) });
  const resumed = await readJournal(root);
  for (const line of summary(plan, opts.apply, resumed !== undefined)) log(line);
  if (!opts.apply) return { plan };

  const rotated = await applyRotation(plan, {
    identities,
    ...(opts.io !== undefined ? { io: opts.io } : {}),
    afterFiles: async () => {
      const written = await writeStackRotation(opts.stackFile, {
        ...(newRecipient !== undefined ? { clusterAgeRecipient: newRecipient } : {}),
        ...(operatorsNext !== undefined ? { ageRecipients: operatorsNext } : {}),
      });
      for (const line of written) log(`  ${opts.stackFile}: ${line}`);
    },
    onFile: (path, status) => log(`  ${status.padEnd(15)}  ${path}`),
  });
  for (const line of nextSteps(plan, rotated.length)) log(line);
  return { plan, rotated };
}
