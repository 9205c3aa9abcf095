import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { TalosApiError, isClientCertificateRequired, tlsFailure } from "../../talos/api/errors";
import { RetryTimeoutError, backoffDelay, isRetryable, withRetry } from "../../talos/api/retry";

const target = { endpoint: "10.0.0.11" };
const apiError = (code: status, details: string) => new TalosApiError("Bootstrap", target, code, details);

describe("retry classification", () => {
  it.each([
    [status.UNAVAILABLE, "connect ECONNREFUSED 10.0.0.11:50000", true],
    [status.DEADLINE_EXCEEDED, "Deadline exceeded", true],
    [status.FAILED_PRECONDITION, "bootstrap is not available yet", true],
    [status.FAILED_PRECONDITION, "time is not in sync yet", true],
    [status.FAILED_PRECONDITION, "bootstrap is only supported on control plane nodes", false],
    [status.ALREADY_EXISTS, "etcd data directory is not empty", false],
    [status.INVALID_ARGUMENT, "unknown keys found during decoding", false],
    [status.PERMISSION_DENIED, "not authorized", false],
    [status.UNAVAILABLE, "SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:SSL alert number 48", false],
    [status.UNAVAILABLE, "sslv3 alert bad certificate: SSL alert number 42", false],
    [status.UNAVAILABLE, "tlsv13 alert certificate required: SSL alert number 116", false],
  ])("code %s %j -> retry %s", (code, details, expected) => {
    expect(isRetryable(apiError(code, details))).toBe(expected);
  });

  it("never retries errors that are not Talos API errors", () => {
    expect(isRetryable(new Error("fingerprint mismatch"))).toBe(false);
  });

  it("recognises a configured node refusing a certificate-less client", () => {
    expect(isClientCertificateRequired(apiError(status.UNAVAILABLE, "tlsv13 alert certificate required: SSL alert number 116"))).toBe(true);
    expect(isClientCertificateRequired(apiError(status.UNAVAILABLE, "connect ECONNREFUSED"))).toBe(false);
    expect(tlsFailure("sslv3 alert bad certificate")).toMatch(/ExtKeyUsage exactly clientAuth/);
  });

  it("explains InvalidArgument on apply as a config problem and PermissionDenied as a role problem", () => {
    expect(new TalosApiError("ApplyConfiguration", target, status.INVALID_ARGUMENT, "bad").message).toBe(
      "Talos API ApplyConfiguration on node 10.0.0.11 failed: INVALID_ARGUMENT: bad (the node refused the machine config; fix the config and apply again)",
    );
    expect(new TalosApiError("Bootstrap", { endpoint: "10.0.0.11", node: "10.0.0.12" }, status.PERMISSION_DENIED, "not authorized").message).toMatch(
      /on node 10\.0\.0\.12 \(via endpoint 10\.0\.0\.11\) failed: PERMISSION_DENIED: not authorized \(.*os:admin\)/,
    );
  });
});

describe("withRetry", () => {
  function fakeClock() {
    let now = 0;
    const sleeps: number[] = [];
    return { sleeps, now: () => now, sleep: async (ms: number) => void (sleeps.push(ms), (now += ms)) };
  }

  it("backs off exponentially up to the cap", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 1000, 15_000))).toEqual([1000, 2000, 4000, 8000, 15_000, 15_000]);
  });

  it("retries retryable errors and returns the first success", async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw apiError(status.UNAVAILABLE, "connection refused");
        return "done";
      },
      { timeoutMs: 60_000, ...clock },
    );
    expect(result).toBe("done");
    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it("stops at the deadline with the last error", async () => {
    const clock = fakeClock();
    const failure = await withRetry(() => Promise.reject(apiError(status.FAILED_PRECONDITION, "time is not in sync yet")), {
      timeoutMs: 10_000,
      ...clock,
    }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(RetryTimeoutError);
    expect((failure as RetryTimeoutError).message).toMatch(/gave up after 5 attempts in 10s; last error: .*time is not in sync yet/);
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 3000]);
  });

  it("rethrows a final error at once", async () => {
    const clock = fakeClock();
    const final = apiError(status.INVALID_ARGUMENT, "bad config");
    await expect(withRetry(() => Promise.reject(final), { timeoutMs: 60_000, ...clock })).rejects.toBe(final);
    expect(clock.sleeps).toEqual([]);
  });
});
