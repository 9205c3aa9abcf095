import { performance } from "node:perf_hooks";
import { contractFor } from "../talos/contract";
import { renderAdminKubeconfig } from "../talos/kubeconfig";
import { generateKey } from "../talos/pki/keys";
import { generateSecretsBundle } from "../talos/secrets-bundle";
import { parseSecretsYaml, serializeSecretsYaml } from "../talos/secrets-yaml";
import { validateSecretsBundle } from "../talos/secrets-validate";
import { renderTalosconfig } from "../talos/talosconfig";

const RUNS = 5;

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function sample(fn: () => Promise<unknown>, runs = RUNS): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timeMs(fn));
  return times.sort((a, b) => a - b);
}

function line(label: string, times: number[]): string {
  const median = times[Math.floor(times.length / 2)];
  return `${label.padEnd(34)} median ${median.toFixed(0).padStart(5)} ms  (min ${times[0].toFixed(0)}, max ${times.at(-1)!.toFixed(0)}, n=${times.length})`;
}

/** CPU time (all threads) of one call: less sensitive than wall time to other load on a shared machine. */
async function cpuMs(fn: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Secrets bundle generation (RSA-4096 dominates; target < 1.5 s) and the client-config renders. */
export async function run(): Promise<void> {
  const contract = contractFor("v1.11.5");
  console.log(line("generateSecretsBundle", await sample(() => generateSecretsBundle(contract))));
  console.log(line("  of which RSA-4096 key alone", await sample(() => generateKey("rsa-4096"))));
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) cpu.push(await cpuMs(() => generateSecretsBundle(contract)));
  console.log(line("generateSecretsBundle, CPU time", cpu.sort((a, b) => a - b)));
  const bundle = await generateSecretsBundle(contract);
  const yaml = serializeSecretsYaml(bundle);
  console.log(line("serialize+parse+validate", await sample(async () => validateSecretsBundle(parseSecretsYaml(serializeSecretsYaml(bundle))), 20)));
  console.log(line("parse secrets.yaml", await sample(async () => parseSecretsYaml(yaml), 20)));
  console.log(line("renderTalosconfig", await sample(() => renderTalosconfig(bundle, { contextName: "c", endpoints: ["10.0.0.1"], nodes: [] }), 20)));
  console.log(line("renderAdminKubeconfig", await sample(() => renderAdminKubeconfig(bundle, { clusterName: "c", endpoint: "https://10.0.0.10:6443" }), 20)));
}
