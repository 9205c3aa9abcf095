/** Writing back an opened file after a change: same data key and key groups, IVs of unchanged values reused. */
import { encryptDocument } from "../document-cipher";
import { rulesFromMetadata } from "../encryption-rules";
import { SOPS_FORMAT_VERSION, type SopsMetadata } from "../metadata";
import { type StoreFormat, storeFor } from "../stores/index";
import type { Tree } from "../tree";
import type { OpenedFile } from "./open";

/** Compares two `X.Y.Z` versions numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).slice(0, 3).map(Number);
  const pb = b.split(/[.+-]/).slice(0, 3).map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/**
 * Re-encrypts `plain` with the opened file's data key, rules and key groups; new `lastmodified` and MAC; `version`
 * raised to ours if the file's is older (as `sops edit` does).
 */
export function reencryptOpened(
  opened: OpenedFile,
  plain: Tree,
  opts: { now?: Date; outputFormat?: StoreFormat; metadata?: Partial<SopsMetadata>; keepVersion?: boolean } = {},
): Buffer {
  const rules = rulesFromMetadata(opened.metadata);
  const enc = encryptDocument(plain, opened.dataKey, rules, { now: opts.now ?? new Date(), stash: opened.stash });
  const version =
    opts.keepVersion || compareVersions(opened.metadata.version, SOPS_FORMAT_VERSION) >= 0 ? opened.metadata.version : SOPS_FORMAT_VERSION;
  const metadata: SopsMetadata = { ...opened.metadata, ...opts.metadata, lastmodified: enc.lastmodified, mac: enc.mac, version };
  return storeFor(opts.outputFormat ?? opened.format).emitEncrypted(enc.tree, metadata);
}
