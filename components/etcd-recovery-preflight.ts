import * as pulumi from "@pulumi/pulumi";
import { loadRecoverySnapshot } from "../gitops/etcd-recovery-source";

/**
 * The check of `etcdRecoverFrom` that runs before anything is created: the snapshot exists, decrypts with the
 * operator's age identity (from the environment, as `sops` finds it) and carries a matching etcd hash. Resolves to no
 * resources, so it can sit in a component's `dependsOn`: the component, and with it every child (they wait for its
 * URN), is registered only after the check passed; a failed check stops the program with the reason.
 */
export function etcdRecoveryPreflight(path: string, env: NodeJS.ProcessEnv = process.env): pulumi.Output<pulumi.Resource[]> {
  const checked = loadRecoverySnapshot(path, { field: "talos-homelab:etcdRecoverFrom", env }).then(
    (): pulumi.Resource[] => [],
    (err: Error) => {
      throw new pulumi.RunError(err.message);
    },
  );
  return pulumi.output(checked);
}

/** `opts` with `preflight` added to its dependsOn. */
export function afterPreflight(
  opts: pulumi.ComponentResourceOptions | undefined,
  preflight: pulumi.Output<pulumi.Resource[]>,
): pulumi.ComponentResourceOptions {
  const existing = opts?.dependsOn;
  if (existing === undefined) return { ...opts, dependsOn: preflight };
  const combined = pulumi
    .all([preflight, pulumi.output(existing as pulumi.Input<pulumi.Resource[]>)])
    .apply(([, deps]) => (Array.isArray(deps) ? deps : [deps]) as pulumi.Resource[]);
  return { ...opts, dependsOn: combined };
}
