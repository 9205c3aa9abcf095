/**
 * FluxReady against a loopback HTTPS stand-in of the Kubernetes API (client certificate required, as the API server
 * does): ready once the FluxInstance is Ready and both SOPS canaries hold the tree's values; not ready with the
 * controllers' own condition messages; a timeout bounded by the clock; a stale canary value named as such.
 */
import { afterEach, describe, expect, it } from "vitest";
import { FLUX_READY_DIFF_IGNORES, createFluxReady, diffFluxReady, fluxReadyInputs, type FluxClock } from "../../components/dynamic/flux-ready-logic";
import { fluxReadyProvider } from "../../components/dynamic/flux-ready-provider";
import { kubeGet, parseKubeconfig } from "../../components/dynamic/kube-client";
import { sopsCanaryChecks } from "../../gitops/flux-scaffold";
import { sopsCanaryValue } from "../../kubernetes";
import { startKubeTlsServer, type KubeHandler, type KubeTlsServer } from "./kube-tls-server";

const CANARIES = sopsCanaryChecks("homelab");
const FI = "/apis/fluxcd.controlplane.io/v1/namespaces/flux-system/fluxinstances/flux";
const secretPath = (name: string) => `/api/v1/namespaces/flux-system/secrets/${name}`;
const kustomizationPath = (name: string) => `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/${name}`;

const ready = (status: "True" | "False", reason: string, message: string) => ({ status: { conditions: [{ type: "Ready", status, reason, message }] } });
const notFound = { status: 404, body: { kind: "Status", code: 404, reason: "NotFound", message: "not found" } };
const canarySecret = (name: "infrastructure" | "apps", value = sopsCanaryValue("homelab", name)) => ({
  status: 200,
  body: { kind: "Secret", metadata: { name: `sops-canary-${name}` }, data: { canary: Buffer.from(value).toString("base64") } },
});

/** A clock that advances only when the wait sleeps, so a 60s timeout takes no real time. */
function fakeClock(): FluxClock & { slept: number } {
  let now = Date.parse("2026-11-24T00:00:00Z");
  const clock = { slept: 0, now: () => now, sleep: async (ms: number) => void ((now += ms), (clock.slept += ms)) };
  return clock;
}

let server: KubeTlsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(handler: KubeHandler, timeoutSeconds = 60) {
  server = await startKubeTlsServer(handler);
  const inputs = fluxReadyInputs({
    kubeconfig: server.kubeconfig,
    namespace: "flux-system",
    instance: "flux",
    canaries: CANARIES,
    source: "https://git.example.net/me/gitops.git@main",
    timeoutSeconds,
    pollSeconds: 10,
  });
  const kube = parseKubeconfig(inputs.kubeconfig);
  const log: string[] = [];
  const clock = fakeClock();
  const result = createFluxReady(inputs, (path) => kubeGet(kube, path), clock, (line) => log.push(line));
  return { result, log, clock };
}

describe("FluxReady", () => {
  it("ready: waits, with progress, until the FluxInstance is Ready and both canaries hold the tree's values", async () => {
    let calls = 0;
    const { result, log } = await run((path) => {
      if (path === FI) calls++;
      if (path === FI) return calls < 2 ? { status: 200, body: ready("False", "Progressing", "Reconciliation in progress") } : { status: 200, body: ready("True", "ReconciliationSucceeded", "Reconciliation finished") };
      if (path === secretPath("sops-canary-infrastructure")) return canarySecret("infrastructure");
      if (path === secretPath("sops-canary-apps")) return calls < 3 ? notFound : canarySecret("apps");
      if (path === kustomizationPath("apps")) return { status: 200, body: ready("False", "DependencyNotReady", "dependency 'flux-system/infrastructure' is not ready") };
      return notFound;
    });
    const { outs } = await result;
    expect(outs.readyAt).toBe("2026-11-24T00:00:20.000Z");
    expect(log).toHaveLength(3);
    expect(log[0]).toMatch(/waiting for Flux \(0s of 60s, round 1\): 2 check\(s\) failing; first: FluxInstance flux-system\/flux: Ready=False \(Progressing\): Reconciliation in progress/);
    expect(log[1]).toMatch(/round 2\): 1 check\(s\) failing; first: SOPS canary Secret flux-system\/sops-canary-apps \(clusters\/homelab\/apps\/sops-canary-apps\.sops\.yaml\): not applied yet; Kustomization flux-system\/apps: Ready=False \(DependencyNotReady\): dependency 'flux-system\/infrastructure' is not ready/);
    expect(log[2]).toMatch(/Flux ready after 20s: FluxInstance flux-system\/flux Ready, 2 SOPS canaries decrypted and applied/);
    expect(server!.requests).toContain(FI);
  });

  it("not ready: fails with the controllers' own condition messages (FluxInstance and Kustomization)", async () => {
    const decryptFailed = "decryption failed for 'sops-canary-infrastructure': failed to get the data key required to decrypt the SOPS file";
    const { result } = await run((path) => {
      if (path === FI) return { status: 200, body: ready("False", "ReconciliationFailed", "kustomization path not found: stat /tmp/kustomization/clusters/homelab: no such file or directory") };
      if (path === kustomizationPath("infrastructure")) return { status: 200, body: ready("False", "ReconciliationFailed", decryptFailed) };
      if (path === kustomizationPath("apps")) return { status: 200, body: ready("False", "DependencyNotReady", "dependency 'flux-system/infrastructure' is not ready") };
      return notFound;
    });
    const error = await result.then(() => undefined, (err: Error) => err);
    expect(error?.message).toMatch(/^FluxReady: Flux is not ready after 60s; failing checks:/);
    expect(error?.message).toContain("FluxInstance flux-system/flux: Ready=False (ReconciliationFailed): kustomization path not found: stat /tmp/kustomization/clusters/homelab: no such file or directory");
    expect(error?.message).toContain(`sops-canary-infrastructure (clusters/homelab/infrastructure/sops-canary-infrastructure.sops.yaml): not applied yet; Kustomization flux-system/infrastructure: Ready=False (ReconciliationFailed): ${decryptFailed}`);
    expect(error?.message).toContain("Kustomization flux-system/apps: Ready=False (DependencyNotReady)");
    expect(error?.message).toMatch(/commit and push the rendered tree, then run pulumi up again/);
  });

  it("timeout: gives up after timeoutSeconds of the clock, polling every pollSeconds, naming a Kustomization not created yet", async () => {
    const { result, clock, log } = await run(() => notFound, 30);
    const error = await result.then(() => undefined, (err: Error) => err);
    expect(error?.message).toMatch(/Flux is not ready after 30s/);
    expect(error?.message).toContain("FluxInstance flux-system/flux: not found");
    expect(error?.message).toContain("Kustomization flux-system/infrastructure: not found (the root sync has not applied infrastructure.yaml from https://git.example.net/me/gitops.git@main yet)");
    expect(clock.slept).toBe(30_000);
    expect(log).toHaveLength(3);
  });

  it("a canary with another value (an older revision, another identity) is not ready, and the message never shows the value", async () => {
    const stale = "talos-homelab SOPS canary: an older identity";
    const { result } = await run((path) => {
      if (path === FI) return { status: 200, body: ready("True", "ReconciliationSucceeded", "ok") };
      if (path === secretPath("sops-canary-infrastructure")) return canarySecret("infrastructure", stale);
      if (path === secretPath("sops-canary-apps")) return canarySecret("apps");
      if (path === kustomizationPath("infrastructure")) return { status: 200, body: ready("True", "ReconciliationSucceeded", "Applied revision: main@sha1:0123") };
      return notFound;
    }, 10);
    const error = await result.then(() => undefined, (err: Error) => err);
    expect(error?.message).toMatch(/sops-canary-infrastructure .*: holds another value \(sha256:[0-9a-f]{64}, the tree has sha256:[0-9a-f]{64}\): Flux has not applied this revision/);
    expect(error?.message).not.toContain(stale);
    expect(error?.message).not.toContain("sops-canary-apps");
  });

  it("waits again only when the canaries change, not for a renewed kubeconfig or another timeout", async () => {
    const target = { namespace: "flux-system", instance: "flux", canaries: CANARIES };
    expect(diffFluxReady(target, { ...target }).changes).toBe(false);
    expect(diffFluxReady(target, { ...target, canaries: sopsCanaryChecks("lab") }).changes).toBe(true);
    expect(FLUX_READY_DIFF_IGNORES).toEqual(["kubeconfig", "source", "timeoutSeconds", "pollSeconds"]);
    await expect(fluxReadyProvider.check!({}, { ...target, canaries: [{ ...CANARIES[0], digest: "md5:x" }] })).rejects.toThrow(/canaries\[0\]\.digest must be sha256/);
  });
});
