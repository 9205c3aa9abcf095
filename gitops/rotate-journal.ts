/**
 * The rotation journal: which files of an interrupted `rotate --apply` are done, so that running it again finishes
 * the rotation instead of starting over. It holds paths and public recipients only (no key material), lives in the
 * tree root under a name the tree's .gitignore covers (`.*.tmp`), and is replaced atomically at every step.
 */
import { promises as fs } from "node:fs";
import { join } from "node:path";

export const ROTATE_JOURNAL = ".talos-homelab-rotate.journal.tmp";

/** What the rotation moves to (public recipients only): a re-run must ask for the same. */
export interface RotateTarget {
  readonly cluster?: string;
  readonly operators?: readonly string[];
}

export interface RotateJournal {
  readonly version: 1;
  readonly target: RotateTarget;
  /** Paths (relative, `/`-separated) already rotated with a fresh data key. */
  readonly done: readonly string[];
}

export function journalPath(root: string): string {
  return join(root, ROTATE_JOURNAL);
}

/** The journal of an interrupted rotation, `undefined` when none is in progress. */
export async function readJournal(root: string): Promise<RotateJournal | undefined> {
  let text: string;
  try {
    text = await fs.readFile(journalPath(root), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const parsed = JSON.parse(text) as { version?: unknown; target?: RotateTarget; done?: unknown };
    if (parsed.version === 1 && Array.isArray(parsed.done) && parsed.done.every((p) => typeof p === "string")) {
      return { version: 1, target: parsed.target ?? {}, done: parsed.done as string[] };
    }
  } catch {
    // fall through: an unreadable journal means nothing is known to be done
  }
  return { version: 1, target: {}, done: [] };
}

export function journalText(journal: RotateJournal): string {
  return `${JSON.stringify(journal, null, 2)}\n`;
}

function describeTarget(t: RotateTarget): string {
  const parts = [t.cluster !== undefined ? `cluster identity ${t.cluster}` : "", t.operators !== undefined ? `operators ${t.operators.join(", ")}` : ""];
  return parts.filter((p) => p !== "").join(" and ") || "fresh data keys only";
}

/** Refuses a re-run that asks for another rotation than the interrupted one (its done files went to the old target). */
export function assertSameTarget(root: string, journal: RotateJournal, target: RotateTarget): void {
  const same = journal.target.cluster === target.cluster && JSON.stringify(journal.target.operators ?? null) === JSON.stringify(target.operators ?? null);
  if (same) return;
  throw new Error(
    `an interrupted rotation to ${describeTarget(journal.target)} is in progress in ${root} (${journal.done.length} file(s) done), but this run asks for ` +
      `${describeTarget(target)}: nothing was written. Run it again with the same --cluster-identity and --age to finish it ` +
      `(or delete ${journalPath(root)} to start over: the files it lists keep the keys they were rotated to)`,
  );
}
