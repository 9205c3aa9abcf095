/** The file's data key: generated fresh, or recovered from the key groups with the available age identities. */
import { randomBytes } from "node:crypto";
import { unwrapWithAgeIdentities } from "./age-master-key";
import type { AgeIdentity, AgeIdentityLookup } from "./age-identities";
import { NoKeyCouldDecryptError } from "./errors";
import type { KeyGroup, SopsMetadata } from "./metadata";
import { shamirCombine } from "./shamir";

export const DATA_KEY_BYTES = 32;

export function generateDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

interface KeyFailure {
  name: string;
  reason: string;
}

async function decryptGroup(group: KeyGroup, identities: readonly AgeIdentity[], lookupNote: string): Promise<Buffer | KeyFailure[]> {
  const failures: KeyFailure[] = [];
  for (const entry of group.age) {
    if (identities.length === 0) {
      failures.push({ name: entry.recipient, reason: `failed to load age identities${lookupNote}` });
      continue;
    }
    try {
      return await unwrapWithAgeIdentities(entry.enc, identities);
    } catch (e) {
      failures.push({ name: entry.recipient, reason: `failed to create reader for decrypting sops data key with age: ${(e as Error).message}${lookupNote}` });
    }
  }
  for (const other of group.other) {
    failures.push({ name: `${String(other.type)} key`, reason: `${String(other.type)} master keys are not supported by this implementation` });
  }
  return failures;
}

function lookupNoteOf(lookup?: Pick<AgeIdentityLookup, "errors" | "unused">): string {
  if (!lookup) return "";
  let note = "";
  if (lookup.errors.length > 0) note += `. Errors while loading age identities: ${lookup.errors.join("; ")}`;
  if (lookup.unused.length > 0) note += `. Did not find keys in location${lookup.unused.length === 1 ? "" : "s"} '${lookup.unused.join("', '")}'.`;
  return note;
}

/**
 * Recovers the data key as sops does: every group is tried; one group yields the key itself, two or more yield
 * Shamir shares of which at least `shamirThreshold` are needed. Fails with exit 128 and sops's per-group report,
 * naming every recipient tried.
 */
export async function recoverDataKey(
  metadata: SopsMetadata,
  identities: readonly AgeIdentity[],
  lookup?: Pick<AgeIdentityLookup, "errors" | "unused">,
): Promise<Buffer> {
  const note = lookupNoteOf(lookup);
  const results = await Promise.all(metadata.keyGroups.map((g) => decryptGroup(g, identities, note)));
  const parts = results.filter((r): r is Buffer => Buffer.isBuffer(r));
  const required = metadata.shamirThreshold ?? 0;
  if (metadata.keyGroups.length > 1) {
    if (parts.length >= Math.max(required, 2)) return shamirCombine(parts);
  } else if (parts.length === 1) {
    return parts[0];
  }
  throw new NoKeyCouldDecryptError(formatDataKeyFailure(results, metadata.keyGroups.length > 1 ? required : 0, parts.length));
}

function formatDataKeyFailure(results: ReadonlyArray<Buffer | KeyFailure[]>, required: number, successes: number): string {
  const groups = results.map((r, i) => {
    if (Buffer.isBuffer(r)) return `Group ${i}: SUCCESS`;
    const keys = r.map((f) => `  ${f.name}: FAILED\n    - | ${f.reason.split("\n").join("\n      | ")}`);
    return `Group ${i}: FAILED\n${keys.join("\n\n")}`;
  });
  const trailer =
    required === 0
      ? "Recovery failed because no master key was able to decrypt the file. In order for SOPS to recover the file, at least one key has to be successful, but none were."
      : `Recovery failed because the file was encrypted with a Shamir threshold of ${required}, but only ${successes} part(s) were successfully recovered, one for each successful key group. In order for SOPS to recover the file, at least ${required} groups have to be successful. In order for a group to be successful, decryption has to succeed with any of the keys in that key group.`;
  return `Failed to get the data key required to decrypt the SOPS file.\n\n${groups.join("\n\n")}\n\n${trailer}`;
}
