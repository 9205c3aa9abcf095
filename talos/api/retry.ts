import { status } from "@grpc/grpc-js";
import { TalosApiError, tlsFailure } from "./errors";

/** FailedPrecondition messages Talos returns while a node is still coming up; they clear by themselves. */
const TRANSIENT_PRECONDITIONS = [/bootstrap is not available yet/i, /time is not in sync yet/i, /not available yet/i];

/**
 * Whether a failed Talos API call may succeed if repeated: the node is unreachable or rebooting
 * (Unavailable, DeadlineExceeded) or not ready yet (the FailedPrecondition messages above).
 * TLS refusals (wrong CA, wrong role certificate, name mismatch) arrive as Unavailable but are final,
 * as are InvalidArgument, PermissionDenied, AlreadyExists and every non-gRPC error.
 */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof TalosApiError)) return false;
  switch (err.code) {
    case status.UNAVAILABLE:
      return tlsFailure(err.details) === undefined;
    case status.DEADLINE_EXCEEDED:
      return true;
    case status.FAILED_PRECONDITION:
      return TRANSIENT_PRECONDITIONS.some((pattern) => pattern.test(err.details));
    default:
      return false;
  }
}

export interface RetryOptions {
  /** Total time allowed, from the first attempt. */
  readonly timeoutMs: number;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly shouldRetry?: (err: unknown) => boolean;
  /** Called before each wait, e.g. to log progress. */
  readonly onRetry?: (info: { attempt: number; error: unknown; delayMs: number }) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Delay before retry number `attempt` (1-based): exponential from `initialMs`, capped at `maxMs`. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** (attempt - 1));
}

/** The error thrown when retries run out of time; `cause` is the last attempt's error. */
export class RetryTimeoutError extends Error {
  constructor(
    readonly attempts: number,
    readonly timeoutMs: number,
    readonly lastError: unknown,
  ) {
    const last = lastError instanceof Error ? lastError.message : String(lastError);
    super(`gave up after ${attempts} attempts in ${Math.round(timeoutMs / 1000)}s; last error: ${last}`, { cause: lastError });
    this.name = "RetryTimeoutError";
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `operation` until it succeeds, fails with a final error, or the deadline passes. */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const shouldRetry = options.shouldRetry ?? isRetryable;
  const initial = options.initialDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 15_000;
  const deadline = now() + options.timeoutMs;

  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!shouldRetry(error)) throw error;
      const remaining = deadline - now();
      if (remaining <= 0) throw new RetryTimeoutError(attempt, options.timeoutMs, error);
      const delayMs = Math.min(backoffDelay(attempt, initial, max), remaining);
      options.onRetry?.({ attempt, error, delayMs });
      await sleep(delayMs);
    }
  }
}
