import { status } from "@grpc/grpc-js";
import { TalosApiError } from "./errors";
import type { BootstrapRequest } from "./messages";
import type { BootstrapOutcome, ProgressLog, RetryPolicy } from "./operations";
import { withRetry } from "./retry";

/** What recovering etcd needs of a Talos API client (TalosClient has these methods). */
export interface EtcdRecoveryClient {
  /** Uploads the snapshot (client stream `EtcdRecover`) for the next Bootstrap with recover_etcd. */
  etcdRecover(snapshot: Buffer): Promise<void>;
  bootstrap(request?: Partial<BootstrapRequest>): Promise<unknown>;
}

export interface RecoveryOptions {
  /** Tell Talos not to check etcd's trailing SHA-256 (only for a database file copied from a data directory). */
  readonly skipHashCheck?: boolean;
}

/**
 * `talosctl bootstrap --recover-from`: upload the snapshot, then bootstrap etcd from it. Both steps are retried while
 * the node is unreachable or not ready yet (the upload is repeated with the bootstrap, as Talos keeps only the last
 * upload). AlreadyExists means etcd already has data: nothing was recovered, and the caller decides what that means.
 */
export async function bootstrapWithRecovery(
  client: EtcdRecoveryClient,
  snapshot: Buffer,
  policy: RetryPolicy,
  options: RecoveryOptions = {},
  log?: ProgressLog,
): Promise<BootstrapOutcome> {
  try {
    await withRetry(
      async () => {
        await client.etcdRecover(snapshot);
        await client.bootstrap({ recoverEtcd: true, recoverSkipHashCheck: options.skipHashCheck ?? false });
      },
      {
        ...policy,
        onRetry: ({ attempt, error, delayMs }) =>
          log?.(`etcd recovery: attempt ${attempt} failed (${error instanceof Error ? error.message : String(error)}); retrying in ${Math.round(delayMs / 1000)}s`),
      },
    );
    return "bootstrapped";
  } catch (err) {
    if (err instanceof TalosApiError && err.code === status.ALREADY_EXISTS) return "already-bootstrapped";
    throw err;
  }
}
