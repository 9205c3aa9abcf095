/**
 * `rotate --apply`: carries out a plan. Every file is replaced atomically (temp file, fsync, rename) with a fresh data
 * key, so at every moment each file is complete and decrypts with either the old or the new keys. Order: journal,
 * `.sops.yaml`, then the files one by one (the journal records each), then `afterFiles` (the stack file), then the
 * journal is removed. Interrupted at any point, running the same command again finishes the job: the journal says
 * which files already have a fresh key, and the stack file still describes the old keys until every file is done.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { rotateBytes, writeFileAtomic } from "../sops/index";
import { TREE_FILE_MODE } from "./write-tree";
import { assertSameTarget, journalPath, journalText, readJournal, type RotateTarget } from "./rotate-journal";
import { SOPS_CONFIG_PATH, type FilePlan, type RotatePlan } from "./rotate-plan";

/** The file operations of a rotation; tests inject failures here. */
export interface RotateIo {
  write(path: string, data: Buffer | string, mode: number): Promise<void>;
  remove(path: string): Promise<void>;
}

export const realRotateIo: RotateIo = {
  write: (path, data, mode) => writeFileAtomic(path, data, mode),
  remove: (path) => rm(path, { force: true }),
};

export interface ApplyOptions {
  readonly io?: RotateIo;
  readonly now?: Date;
  /** Identities that open the files (as for the plan). */
  readonly identities: readonly string[];
  /**
   * Runs once every file is rotated, before the journal is removed: e.g. the stack file's recipients and pin, which a
   * re-run after an interruption reads as the keys it rotates from.
   */
  readonly afterFiles?: () => Promise<void>;
  /** One line per file; never key material. */
  readonly onFile?: (path: string, status: "rotated" | "already rotated") => void;
}

export class RotationBlockedError extends Error {
  constructor(problems: readonly Pick<FilePlan, "path" | "problem">[]) {
    super(
      `rotate: nothing was written: ${problems.length} file(s) cannot be rotated:\n` +
        problems.map((p) => `  - ${p.path}: ${p.problem}`).join("\n"),
    );
    this.name = "RotationBlockedError";
  }
}

async function rotateFile(file: FilePlan, opts: ApplyOptions): Promise<Buffer> {
  return rotateBytes(file.file.bytes, {
    format: file.file.format,
    identities: [...opts.identities],
    env: {},
    keyGroups: file.after.map((g) => [...g]),
    ...(file.shamirThreshold !== undefined ? { shamirThreshold: file.shamirThreshold } : {}),
    ...(file.keyRing !== undefined && file.plaintext !== undefined ? { plaintext: file.plaintext } : {}),
    ...(opts.now !== undefined ? { now: opts.now } : {}),
  });
}

export function unreadableProblem(file: RotatePlan["unreadable"][number]): Pick<FilePlan, "path" | "problem"> {
  return { path: file.path, problem: `holds sops values but cannot be read (${file.reason}): rotate it with the real sops (sops rotate -i), or fix or remove it` };
}

function targetOf(plan: RotatePlan): RotateTarget {
  return {
    ...(plan.change.cluster !== undefined ? { cluster: plan.change.cluster.to } : {}),
    ...(plan.change.operators !== undefined ? { operators: [...plan.change.operators.to] } : {}),
  };
}

/** Applies the plan; returns the paths rotated in this run. Refuses (writing nothing) when any file has a problem. */
export async function applyRotation(plan: RotatePlan, opts: ApplyOptions): Promise<string[]> {
  const problems = [...plan.files.filter((f) => f.problem !== undefined), ...plan.unreadable.map(unreadableProblem)];
  if (problems.length > 0) throw new RotationBlockedError(problems);
  const io = opts.io ?? realRotateIo;
  const target = targetOf(plan);
  const journal = await readJournal(plan.root);
  if (journal !== undefined) assertSameTarget(plan.root, journal, target);
  const done = new Set(journal?.done ?? []);
  await io.write(journalPath(plan.root), journalText({ version: 1, target, done: [...done] }), TREE_FILE_MODE);
  if (plan.sopsConfig.after !== plan.sopsConfig.before) {
    await io.write(join(plan.root, SOPS_CONFIG_PATH), plan.sopsConfig.after, TREE_FILE_MODE);
  }
  const rotated: string[] = [];
  for (const file of plan.files) {
    if (done.has(file.path)) {
      opts.onFile?.(file.path, "already rotated");
      continue;
    }
    await io.write(join(plan.root, ...file.path.split("/")), await rotateFile(file, opts), TREE_FILE_MODE);
    done.add(file.path);
    rotated.push(file.path);
    await io.write(journalPath(plan.root), journalText({ version: 1, target, done: [...done] }), TREE_FILE_MODE);
    opts.onFile?.(file.path, "rotated");
  }
  await opts.afterFiles?.();
  await io.remove(journalPath(plan.root));
  return rotated;
}
