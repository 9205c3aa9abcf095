/**
 * The Flux scaffold of a cluster's tree:
 *
 *   clusters/<c>/kustomization.yaml                 what the root `flux-system` sync applies: flux-system/ and the two
 *                                                   Kustomizations below (not their folders: those are theirs)
 *   clusters/<c>/flux-system/kustomization.yaml     the FluxInstance and the Secrets Flux runs with
 *   clusters/<c>/infrastructure.yaml                Flux Kustomization `infrastructure` (SOPS decryption)
 *   clusters/<c>/apps.yaml                          Flux Kustomization `apps`, dependsOn infrastructure
 *   clusters/<c>/{infrastructure,apps}/kustomization.yaml   a person lists their own files here
 *   clusters/<c>/{infrastructure,apps}/sops-canary-*.sops.yaml  the SOPS canary `pulumi up` waits for
 *
 * Every `kustomization.yaml` keeps the entries a person added: render and `pulumi up` rewrite only the project's own
 * entries (listed first) and keep every other one in its order.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import {
  APPS_KUSTOMIZATION,
  FLUX_NAMESPACE,
  INFRASTRUCTURE_KUSTOMIZATION,
  SOPS_CANARY_KEY,
  sopsCanaryDigest,
  sopsCanaryName,
  sopsCanaryValue,
  SCAFFOLD_KUSTOMIZATIONS,
  scaffoldKustomization,
  manifestYaml,
  sopsCanaryFile,
  sopsCanarySecret,
  type ScaffoldKustomization,
} from "../kubernetes";
import { documentsYaml, kustomizeFile } from "../kubernetes/runtime-secrets";
import type { Artefact } from "./artefact";
import { KUBERNETES_FILE_RULES, treePaths } from "./tree-layout";

export interface FluxScaffoldInputs {
  readonly cluster: string;
  readonly hasGitCredentials: boolean;
  /** Whether the runtime secrets layer is rendered (its `runtime-secrets.yaml` is listed in infrastructure/). */
  readonly runtimeSecrets: boolean;
  /** The current text of the tree's `kustomization.yaml` files, by tree path (absent: not in the tree yet). */
  readonly existingKustomizeFiles?: Readonly<Record<string, string>>;
}

export class KustomizeFileError extends Error {
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}; fix the file (a kustomize Kustomization with a "resources" list), or delete it and render again to re-create it`);
    this.name = "KustomizeFileError";
  }
}

interface KustomizeFolder {
  /** "" for clusters/<c>/ itself. */
  readonly folder: string;
  /** The project's entries rendered now, first in the file. */
  readonly entries: readonly string[];
  /** Every entry the project may own in this folder (one rendered before and not now is dropped). */
  readonly owned: readonly string[];
}

function folders(inputs: FluxScaffoldInputs): KustomizeFolder[] {
  const canary = (name: ScaffoldKustomization) => sopsCanaryFile(name);
  const scaffold = SCAFFOLD_KUSTOMIZATIONS.map((name) => `${name}.yaml`);
  const fluxSystem = ["flux-instance.yaml", "sops-age.sops.yaml", "git-credentials.sops.yaml"];
  return [
    { folder: "", entries: ["flux-system", ...scaffold], owned: ["flux-system", ...scaffold] },
    { folder: "flux-system", entries: fluxSystem.filter((f) => inputs.hasGitCredentials || f !== "git-credentials.sops.yaml"), owned: fluxSystem },
    {
      folder: INFRASTRUCTURE_KUSTOMIZATION,
      entries: [canary(INFRASTRUCTURE_KUSTOMIZATION), ...(inputs.runtimeSecrets ? ["runtime-secrets.yaml"] : [])],
      owned: [canary(INFRASTRUCTURE_KUSTOMIZATION), "runtime-secrets.yaml"],
    },
    { folder: APPS_KUSTOMIZATION, entries: [canary(APPS_KUSTOMIZATION)], owned: [canary(APPS_KUSTOMIZATION)] },
  ];
}

/** The existing file's document, checked to be a kustomization with a list of string resources. */
function existingDocument(path: string, text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new KustomizeFileError(path, `is not valid YAML (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`);
  }
  if (doc === null || doc === undefined) return undefined;
  if (typeof doc !== "object" || Array.isArray(doc)) throw new KustomizeFileError(path, "is not a YAML mapping");
  const record = doc as Record<string, unknown>;
  const resources = record.resources ?? [];
  if (!Array.isArray(resources) || resources.some((r) => typeof r !== "string")) throw new KustomizeFileError(path, '"resources" is not a list of paths');
  return record;
}

/** One folder's `kustomization.yaml`: the project's entries, then the person's own (any other field kept). */
export function kustomizeFileText(path: string, folder: KustomizeFolder, existingText: string | undefined): string {
  const existing = existingDocument(path, existingText);
  const theirs = ((existing?.resources ?? []) as string[]).filter((entry) => !folder.owned.includes(entry) && !folder.entries.includes(entry));
  if (existing === undefined) return documentsYaml([kustomizeFile(folder.entries)]);
  return stringify({ ...existing, resources: [...folder.entries, ...theirs] }, { lineWidth: 0 });
}

/** The scaffold's files in a stable order. Pure: the same inputs give the same artefacts. */
export function fluxScaffoldArtefacts(inputs: FluxScaffoldInputs): Artefact[] {
  const { cluster } = inputs;
  const artefacts: Artefact[] = [];
  for (const folder of folders(inputs)) {
    const path = treePaths.kustomizeFile(cluster, folder.folder);
    const content = kustomizeFileText(path, folder, inputs.existingKustomizeFiles?.[path]);
    artefacts.push({ path, description: `kustomization.yaml of clusters/${cluster}/${folder.folder}`, content, format: "yaml" });
  }
  for (const name of SCAFFOLD_KUSTOMIZATIONS) {
    artefacts.push({
      path: treePaths.fluxKustomization(cluster, name),
      description: `Flux Kustomization ${name} (SOPS decryption)`,
      content: documentsYaml([scaffoldKustomization(cluster, name)]),
      format: "yaml",
    });
    artefacts.push({
      path: treePaths.sopsCanary(cluster, name, sopsCanaryFile(name)),
      description: `SOPS canary Secret of ${name}`,
      content: manifestYaml(sopsCanarySecret(cluster, name)),
      format: "yaml",
      encryption: KUBERNETES_FILE_RULES,
    });
  }
  return artefacts;
}

/** The tree paths of the scaffold's `kustomization.yaml` files (what render and `pulumi up` read back first). */
export function scaffoldKustomizeFilePaths(cluster: string): string[] {
  return ["", "flux-system", ...SCAFFOLD_KUSTOMIZATIONS].map((folder) => treePaths.kustomizeFile(cluster, folder));
}

/** Reads the scaffold's `kustomization.yaml` files that exist under `root` (plain files: nothing secret in them). */
export function readScaffoldKustomizeFiles(root: string, cluster: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const path of scaffoldKustomizeFilePaths(cluster)) {
    try {
      found[path] = readFileSync(join(root, ...path.split("/")), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  return found;
}

/** What `pulumi up` waits for: each canary Secret with the digest of the value this tree holds for it. */
export interface SopsCanaryCheck {
  readonly kustomization: ScaffoldKustomization;
  readonly namespace: string;
  readonly name: string;
  readonly key: string;
  readonly digest: string;
  /** Tree path of the canary file. */
  readonly file: string;
}

export function sopsCanaryChecks(cluster: string): SopsCanaryCheck[] {
  return SCAFFOLD_KUSTOMIZATIONS.map((name) => ({
    kustomization: name,
    namespace: FLUX_NAMESPACE,
    name: sopsCanaryName(name),
    key: SOPS_CANARY_KEY,
    digest: sopsCanaryDigest(sopsCanaryValue(cluster, name)),
    file: treePaths.sopsCanary(cluster, name, sopsCanaryFile(name)),
  }));
}
