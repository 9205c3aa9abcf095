import { status } from "@grpc/grpc-js";
import type { TalosClient } from "./client";
import { type ClientTlsMaterial } from "./credentials";
import { TalosApiError, isClientCertificateRequired } from "./errors";
import type { ApplyConfigurationResponse, ApplyMode } from "./messages";
import { type RetryOptions, withRetry } from "./retry";

export type ProgressLog = (message: string) => void;

export interface RetryPolicy {
  readonly timeoutMs: number;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly sleep?: RetryOptions["sleep"];
  readonly now?: RetryOptions["now"];
}

function retryOptions(policy: RetryPolicy, what: string, log?: ProgressLog): RetryOptions {
  return {
    ...policy,
    onRetry: ({ attempt, error, delayMs }) =>
      log?.(`${what}: attempt ${attempt} failed (${error instanceof Error ? error.message : String(error)}); retrying in ${Math.round(delayMs / 1000)}s`),
  };
}

export type BootstrapOutcome = "bootstrapped" | "already-bootstrapped";

/**
 * Bootstrap with retries while Talos answers "bootstrap is not available yet" / "time is not in sync
 * yet" or the node is unreachable. AlreadyExists ("etcd data directory is not empty") means etcd was
 * bootstrapped before, which is the state we want.
 */
export async function bootstrapOnce(client: TalosClient, policy: RetryPolicy, log?: ProgressLog): Promise<BootstrapOutcome> {
  try {
    await withRetry(() => client.bootstrap(), retryOptions(policy, "bootstrap", log));
    return "bootstrapped";
  } catch (err) {
    if (err instanceof TalosApiError && err.code === status.ALREADY_EXISTS) return "already-bootstrapped";
    throw err;
  }
}

export type ApplyPath = "maintenance" | "configured";

/** Factories for the two ways to reach a node, so the first-apply logic can be tested without a network. */
export interface NodeClients {
  maintenance(): TalosClient;
  configured(): TalosClient;
}

export function nodeClients(
  node: string,
  options: { endpoint?: string; tls: ClientTlsMaterial; fingerprint?: string; callTimeoutMs?: number },
  factory: {
    maintenance: (node: string, o: { fingerprint?: string; callTimeoutMs?: number }) => TalosClient;
    configured: (o: { endpoint: string; node?: string; tls: ClientTlsMaterial; callTimeoutMs?: number }) => TalosClient;
  },
): NodeClients {
  const endpoint = options.endpoint ?? node;
  return {
    maintenance: () => factory.maintenance(node, { fingerprint: options.fingerprint, callTimeoutMs: options.callTimeoutMs }),
    configured: () =>
      factory.configured({
        endpoint,
        node: endpoint === node ? undefined : node,
        tls: options.tls,
        callTimeoutMs: options.callTimeoutMs,
      }),
  };
}

/**
 * The first apply to a node: in maintenance mode (insecure TLS, direct, mode AUTO). When the node
 * turns out to be configured already (it demands a client certificate), the config goes over mutual
 * TLS instead, so re-creating the resource against a running node works.
 */
export async function applyFirstConfiguration(
  clients: NodeClients,
  config: string,
  policy: RetryPolicy,
  log?: ProgressLog,
): Promise<{ path: ApplyPath; response: ApplyConfigurationResponse }> {
  let path: ApplyPath = "maintenance";
  const response = await withRetry(async () => {
    const client = path === "maintenance" ? clients.maintenance() : clients.configured();
    try {
      return await client.applyConfiguration(config, { mode: "AUTO" });
    } catch (err) {
      if (path === "maintenance" && isClientCertificateRequired(err)) {
        log?.(`node ${client.target.endpoint} is not in maintenance mode (it requires a client certificate); applying over mutual TLS`);
        path = "configured";
        const configured = clients.configured();
        try {
          return await configured.applyConfiguration(config, { mode: "AUTO" });
        } finally {
          configured.close();
        }
      }
      throw err;
    } finally {
      client.close();
    }
  }, retryOptions(policy, "apply configuration", log));
  return { path, response };
}



/** A later apply over mutual TLS, retried while the node is unreachable. */
export async function applyConfigured(
  clients: NodeClients,
  config: string,
  mode: ApplyMode,
  policy: RetryPolicy,
  log?: ProgressLog,
): Promise<ApplyConfigurationResponse> {
  return withRetry(async () => {
    const client = clients.configured();
    try {
      return await client.applyConfiguration(config, { mode });
    } finally {
      client.close();
    }
  }, retryOptions(policy, "apply configuration", log));
}
