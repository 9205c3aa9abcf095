import {
  FLUX_READY,
  FLUX_READY_DIFF_IGNORES,
  type FluxClock,
  type FluxReadyOutputs,
  createFluxReady,
  diffFluxReady,
  fluxReadyInputs,
  fluxReadyTarget,
} from "./flux-ready-logic";
import { kubeGet, parseKubeconfig } from "./kube-client";
import { providerProgress } from "./progress";
import type { ProviderModule } from "./serializable-provider";

const realClock: FluxClock = { now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

async function runFluxReady(raw: Record<string, unknown>) {
  const inputs = fluxReadyInputs(raw);
  const kube = parseKubeconfig(inputs.kubeconfig);
  return createFluxReady(inputs, (path) => kubeGet(kube, path), realClock, providerProgress(FLUX_READY));
}

/** The FluxReady provider, loaded by path inside Pulumi's provider process. */
export const fluxReadyProvider: ProviderModule = {
  diffIgnores: FLUX_READY_DIFF_IGNORES,
  check: async (_olds, news) => {
    fluxReadyTarget(news);
    return { inputs: news };
  },
  diff: async (_id, olds, news) => diffFluxReady(olds as unknown as FluxReadyOutputs, fluxReadyTarget(news)),
  create: runFluxReady,
  update: async (_id, _olds, news) => ({ outs: (await runFluxReady(news)).outs }),
  delete: async () => undefined,
};
