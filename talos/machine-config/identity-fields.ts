import { documentKind } from "../patches/document-id";
import { deepEqual } from "../patches/merge-value";
import { type ConfigDocument, type YamlValue, isYamlMap } from "../patches/yaml-value";

/** Where a config holds the node's machine type and the cluster's tokens, keys and CAs: [kind, path]. */
const IDENTITY_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ["v1alpha1", "machine.type"],
  ["v1alpha1", "machine.token"],
  ["v1alpha1", "machine.ca"],
  ["v1alpha1", "cluster.id"],
  ["v1alpha1", "cluster.secret"],
  ["v1alpha1", "cluster.token"],
  ["v1alpha1", "cluster.ca"],
  ["v1alpha1", "cluster.aggregatorCA"],
  ["v1alpha1", "cluster.serviceAccount"],
  ["v1alpha1", "cluster.etcd.ca"],
  ["v1alpha1", "cluster.secretboxEncryptionSecret"],
  ["v1alpha1", "cluster.aescbcEncryptionSecret"],
  ["DiscoveryIdentityConfig", "clusterID"],
  ["DiscoveryIdentityConfig", "clusterSecret"],
  ["KubeAPIServerCAConfig", "issuingCA"],
  ["KubeAggregatorCAConfig", "issuingCA"],
  ["KubeServiceAccountConfig", "issuer.privateKey"],
  ["KubeEtcdEncryptionConfig", "config"],
];

const at = (doc: ConfigDocument | undefined, path: string): YamlValue | undefined =>
  path.split(".").reduce<YamlValue | undefined>((node, key) => (isYamlMap(node) ? node[key] : undefined), doc);
const docOf = (docs: readonly ConfigDocument[], kind: string): ConfigDocument | undefined =>
  docs.find((d) => (documentKind(d) ?? "v1alpha1") === kind);

/**
 * Fields a user patch changed that only the stack config or the machine secrets may set: the node's
 * machine type (its role) and the cluster's tokens, keys and CAs. Values are never printed except
 * the machine type.
 */
export function identityChanges(before: readonly ConfigDocument[], after: readonly ConfigDocument[], source: string): string[] {
  const problems: string[] = [];
  for (const [kind, path] of IDENTITY_FIELDS) {
    const was = at(docOf(before, kind), path);
    const now = at(docOf(after, kind), path);
    if (deepEqual(was, now)) continue;
    const where = kind === "v1alpha1" ? `.${path}` : `${kind} ${path}`;
    if (path === "machine.type") {
      problems.push(
        `${source}: changes .machine.type from ${String(was)} to ${String(now)}: a node's machine type is its role; ` +
          "set nodes[].role in the stack config instead (and remove machine.type from the patch)",
      );
    } else {
      problems.push(
        `${source}: changes ${where}, which holds the cluster's own token, key or CA from its machine secrets: ` +
          "remove it from the patch (to recover or rotate machine secrets see docs/operations.md)",
      );
    }
  }
  return problems;
}
