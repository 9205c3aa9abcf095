import { type ServiceError, status } from "@grpc/grpc-js";

/** Where a call went: the address dialled and, when proxied through it, the node addressed. */
export interface CallTarget {
  readonly endpoint: string;
  readonly node?: string;
}

export function describeTarget(target: CallTarget): string {
  return target.node !== undefined && target.node !== target.endpoint
    ? `node ${target.node} (via endpoint ${target.endpoint})`
    : `node ${target.endpoint}`;
}

/** A failed Talos API call: the gRPC code and Talos's own message, with the method and node named. */
export class TalosApiError extends Error {
  constructor(
    readonly method: string,
    readonly target: CallTarget,
    readonly code: status,
    readonly details: string,
  ) {
    super(`Talos API ${method} on ${describeTarget(target)} failed: ${status[code] ?? code}: ${details.trim()}${hint(method, code, details)}`);
    this.name = "TalosApiError";
  }
}

const TLS_FAILURES: readonly { pattern: RegExp; explanation: string }[] = [
  {
    pattern: /certificate required|alert number 116/i,
    explanation: "the node requires a client certificate: it is configured, so use mutual TLS with the talosconfig",
  },
  {
    pattern: /alert unknown ca|alert number 48/i,
    explanation: "the node does not trust our client certificate: it is not signed by the cluster's Talos API CA",
  },
  {
    pattern: /alert bad certificate|alert number 42|alert unsupported certificate|alert number 43/i,
    explanation: "the node refused our client certificate (apid requires ExtKeyUsage exactly clientAuth and a certificate signed by its Talos API CA)",
  },
  {
    pattern: /unable to verify|self[- ]signed|unable to get (local )?issuer|certificate signature failure/i,
    explanation: "the node's certificate does not chain to the talosconfig's CA: wrong cluster or wrong talosconfig",
  },
  {
    pattern: /does not match certificate's altnames|ERR_TLS_CERT_ALTNAME/i,
    explanation: "the node's certificate does not name the address dialled: add it to machine.certSANs or dial the node's own IP",
  },
  { pattern: /certificate fingerprint is/i, explanation: "the maintenance-mode certificate is not the pinned one" },
];

/** What a TLS handshake failure means for the user, or undefined when the error is not one. */
export function tlsFailure(details: string): string | undefined {
  return TLS_FAILURES.find(({ pattern }) => pattern.test(details))?.explanation;
}

function hint(method: string, code: status, details: string): string {
  switch (code) {
    case status.UNAVAILABLE: {
      const tls = tlsFailure(details);
      return tls === undefined ? "" : ` (${tls})`;
    }
    case status.INVALID_ARGUMENT:
      return method === "ApplyConfiguration" ? " (the node refused the machine config; fix the config and apply again)" : "";
    case status.PERMISSION_DENIED:
      return " (the client certificate lacks the role this call needs: use a talosconfig with O=os:admin)";
    case status.UNIMPLEMENTED:
      return " (a node in maintenance mode only accepts ApplyConfiguration with mode REBOOT, AUTO or TRY)";
    default:
      return "";
  }
}

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === "number" && "details" in err;
}

/** Turns a grpc-js error into a TalosApiError; other errors pass through unchanged. */
export function toTalosApiError(err: unknown, method: string, target: CallTarget): unknown {
  if (err instanceof TalosApiError || !isServiceError(err)) return err;
  const details = (err.details || err.message).replace(/\s*Resolution note:\s*$/, "");
  return new TalosApiError(method, target, err.code, details);
}

/**
 * True when the node refused our TLS connection because it wants a client certificate: it is
 * configured (out of maintenance mode), so calls must use mutual TLS.
 */
export function isClientCertificateRequired(err: unknown): boolean {
  if (!(err instanceof TalosApiError) || err.code !== status.UNAVAILABLE) return false;
  return /certificate required|alert number 116/i.test(err.details);
}
