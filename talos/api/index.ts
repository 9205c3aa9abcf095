/** The Talos API client (gRPC on port 50000) and the operations built on it. */
export { TALOS_API_PORT, talosTarget } from "./address";
export { type ApplyOptions, TalosClient, type TalosClientOptions } from "./client";
export { type ClientTlsMaterial, maintenanceCredentials, mutualTlsCredentials } from "./credentials";
export { type CallTarget, TalosApiError, isClientCertificateRequired, tlsFailure } from "./errors";
export { certificateFingerprint, normalizeFingerprint } from "./fingerprint";
export { extractKubeconfig } from "./kubeconfig-archive";
export type * from "./messages";
export {
  type ApplyPath,
  type BootstrapOutcome,
  type NodeClients,
  type ProgressLog,
  type RetryPolicy,
  applyConfigured,
  applyFirstConfiguration,
  bootstrapOnce,
  nodeClients,
} from "./operations";
export { MACHINE_STATUS, type MachineStatus, SECURITY_STATE, type SecurityState, readMachineStatus, readSecurityState } from "./resources";
export { RetryTimeoutError, backoffDelay, isRetryable, withRetry } from "./retry";
export { type TalosconfigContext, parseTalosconfigContext } from "./talosconfig-context";
