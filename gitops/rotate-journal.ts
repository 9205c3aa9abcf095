/**
 * The rotation journal: which files of an interrupted `rotate --apply` are done, so that running it again finishes
 * the rotation instead of starting over. It holds paths and public recipients only (no key material), lives in the
 * tree root under a name the tree's .gitignore covers (`.*.tmp`), and is replaced atomically at every step.
 */
import { promises as fs } from "node:fs";
import { join } from "node:path";

export const ROTATE_JOURNAL = ".talos-homelab-rotate.journal.tmp";

export interface RotateJournal {
  readonly version: 1;
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
    const parsed = JSON.parse(text) as { version?: unknown; done?: unknown };
    if (parsed.version === 1 && Array.isArray(parsed.done) && parsed.done.every((p) => typeof p === "string")) {
      return { version: 1, done: parsed.done as string[] };
    }
  } catch {
    // fall through: an unreadable journal means nothing is known to be done
  }
  return { version: 1, done: [] };
}

export function journalText(journal: RotateJournal): string {
  return `${JSON.stringify(journal, null, 2)}\n`;
}
