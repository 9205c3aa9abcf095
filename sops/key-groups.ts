/** Key groups: wrapping the data key for every recipient, split into Shamir shares when there are two or more groups. */
import { wrapForAgeRecipient, assertValidAgeRecipient } from "./age-master-key";
import type { KeyGroup, SopsMetadata } from "./metadata";
import { shamirSplit } from "./shamir";

export interface WrappedKeyGroups {
  keyGroups: KeyGroup[];
  /** Set only with two or more groups (sops's default is the number of groups). */
  shamirThreshold?: number;
}

/** Trims, drops empty entries and duplicates (sops deduplicates keys inside one group). */
export function normalizeRecipientGroups(groups: readonly (readonly string[])[]): string[][] {
  return groups.map((g) => {
    const seen = new Set<string>();
    for (const r of g.flatMap((x) => x.split(","))) {
      const t = r.trim();
      if (t !== "") seen.add(t);
    }
    return [...seen];
  });
}

/** The effective Shamir threshold for `groupCount` groups, validated as sops does. */
export function effectiveShamirThreshold(groupCount: number, threshold: number | undefined): number | undefined {
  if (groupCount < 2) return undefined;
  const t = threshold === undefined || threshold === 0 ? groupCount : threshold;
  if (!Number.isInteger(t) || t < 2) throw new Error(`shamir_threshold must be at least 2 with ${groupCount} key groups, got ${t}`);
  if (t > groupCount) throw new Error(`shamir_threshold ${t} is larger than the number of key groups (${groupCount}); no file could ever be decrypted`);
  return t;
}

/**
 * Wraps `dataKey` for every recipient of every group: with one group each recipient wraps the whole key; with two
 * or more, group i's recipients wrap Shamir share i.
 */
export async function wrapDataKeyForGroups(
  dataKey: Buffer,
  recipientGroups: readonly (readonly string[])[],
  shamirThreshold?: number,
): Promise<WrappedKeyGroups> {
  const groups = normalizeRecipientGroups(recipientGroups);
  if (groups.length === 0 || groups.every((g) => g.length === 0)) {
    throw new Error("no age recipients given: pass --age age1… or add a creation rule with age recipients to .sops.yaml");
  }
  groups.forEach((g, i) => {
    if (g.length === 0) throw new Error(`key group ${i} is empty; every key group needs at least one recipient`);
    g.forEach(assertValidAgeRecipient);
  });
  const threshold = effectiveShamirThreshold(groups.length, shamirThreshold);
  const parts = threshold === undefined ? [dataKey] : shamirSplit(dataKey, groups.length, threshold);
  const keyGroups = await Promise.all(
    groups.map(async (g, i) => ({
      age: await Promise.all(g.map(async (recipient) => ({ recipient, enc: await wrapForAgeRecipient(parts[i], recipient) }))),
      other: [],
    })),
  );
  return threshold === undefined ? { keyGroups } : { keyGroups, shamirThreshold: threshold };
}

/** The age recipients of each key group in the metadata. */
export function recipientGroupsOf(metadata: SopsMetadata): string[][] {
  return metadata.keyGroups.map((g) => g.age.map((e) => e.recipient));
}

/** The age recipients of all groups, in order, without duplicates (no key needed to read them). */
export function allRecipientsOf(metadata: SopsMetadata): string[] {
  return [...new Set(recipientGroupsOf(metadata).flat())];
}

/** Refuses to re-wrap a file that also holds key types this implementation cannot produce (they would go stale). */
export function assertOnlyAgeKeys(metadata: SopsMetadata, operation: string): void {
  const types = [...new Set(metadata.keyGroups.flatMap((g) => g.other.map((o) => String(o.type))))];
  if (types.length > 0) {
    throw new Error(`cannot ${operation}: the file also has ${types.join(", ")} master keys, which this implementation cannot re-wrap; run the real sops for this file`);
  }
}
