/**
 * `npx talos-homelab render` of the example stack at every supported Talos release: v1.14.1 (the
 * example's own), v1.13.9, v1.12.7 and v1.11.5. Each decrypted machine config (real sops) must pass
 * that version's machinery validation, strict and in metal mode, with zero warnings, and equal what
 * Talos's own generator plus our patch set produce (talos-oracle compare).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStackConfig, stackFileSource, validateConfig } from "../../config";
import { clusterSpecFor, nodeSpecFor } from "../../gitops/cluster-inputs";
import { machineConfigCompareSpec } from "../../talos/machine-config/render";
import { parseSecretsYaml } from "../../talos/secrets-yaml";
import { makeSandbox, type Sandbox } from "../gitops/sandbox";
import { type OracleContract, requireOracle, requireTool, runTool } from "./helpers/tools";

const CLI = join(__dirname, "../../bin/talos-homelab.cjs");
const NODES = ["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"];

/** The example's patches (TimeSyncConfig, KubeNodeConfig) in the form each older Talos takes. */
const TIME_SYNC = { apiVersion: "v1alpha1", kind: "TimeSyncConfig", ntp: { servers: ["time.cloudflare.com"] } };
const LEGACY_TIME = { machine: { time: { servers: ["time.cloudflare.com"] } } };
const LEGACY_LABELS = { machine: { nodeLabels: { "homelab.example.net/storage": "true" } } };

interface VersionCase {
  readonly talosVersion: string;
  readonly contract: OracleContract;
  /** Rewrites the example stack for this version; undefined keeps it as it is. */
  readonly adapt?: (config: Record<string, unknown>) => void;
}

function withPatches(kubernetesVersion: string, cluster: unknown, worker2: unknown): (config: Record<string, unknown>) => void {
  return (config) => {
    config["talos-homelab:kubernetesVersion"] = kubernetesVersion;
    config["talos-homelab:patches"] = { cluster: [cluster] };
    const nodes = config["talos-homelab:nodes"] as Record<string, unknown>[];
    nodes.find((n) => n.name === "worker-2")!.patches = [worker2];
  };
}

const cases: VersionCase[] = [
  { talosVersion: "v1.14.1", contract: "v1.14" },
  { talosVersion: "v1.13.9", contract: "v1.13", adapt: withPatches("1.36.3", TIME_SYNC, LEGACY_LABELS) },
  { talosVersion: "v1.12.7", contract: "v1.12", adapt: withPatches("1.35.4", TIME_SYNC, LEGACY_LABELS) },
  { talosVersion: "v1.11.5", contract: "v1.11", adapt: withPatches("1.34.1", LEGACY_TIME, LEGACY_LABELS) },
];

describe.each(cases)("render of the example stack with talosVersion $talosVersion", ({ talosVersion, contract, adapt }) => {
  let sandbox: Sandbox;
  let scratch: string;
  let render: ReturnType<typeof spawnSync>;
  const files: { node: string; file: string; specFile: string }[] = [];
  let secretboxSha256 = "";

  beforeAll(() => {
    const sops = requireTool("sops");
    sandbox = makeSandbox((config) => {
      config["talos-homelab:talosVersion"] = talosVersion;
      adapt?.(config);
    });
    scratch = mkdtempSync(join(tmpdir(), `talos-versions-${talosVersion}-`));
    render = spawnSync(process.execPath, [CLI, "render"], { cwd: sandbox.root, env: { ...sandbox.env }, encoding: "utf8" });
    if (render.status !== 0) return;
    const decrypt = (path: string): string => {
      const result = runTool(sops, ["decrypt", path], { cwd: sandbox.outDir, env: { SOPS_AGE_KEY_FILE: sandbox.keysFile } });
      expect(result.code, `sops decrypt ${path}: ${result.stderr}`).toBe(0);
      return result.stdout;
    };
    const secretsFile = join(scratch, "secrets.yaml");
    writeFileSync(secretsFile, decrypt("talos/homelab/secrets.sops.yaml"), { mode: 0o600 });
    const bundle = parseSecretsYaml(readFileSync(secretsFile, "utf8"));
    secretboxSha256 = createHash("sha256").update(bundle.secrets.secretboxEncryptionSecret ?? "").digest("hex");
    const { config } = validateConfig(readStackConfig(stackFileSource(sandbox.stackFile), {}).input);
    for (const name of NODES) {
      const file = join(scratch, `${name}.yaml`);
      writeFileSync(file, decrypt(`talos/homelab/${name}.sops.yaml`), { mode: 0o600 });
      const node = config.nodes.find((n) => n.name === name)!;
      const spec = machineConfigCompareSpec(bundle, clusterSpecFor(config), nodeSpecFor(config, node));
      const specFile = join(scratch, `${name}.spec.json`);
      writeFileSync(specFile, JSON.stringify({ secretsFile, ...spec, renderedFile: file }));
      files.push({ node: name, file, specFile });
    }
  });
  afterAll(() => {
    sandbox?.cleanup();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  it(`renders Talos ${talosVersion} configs`, () => {
    expect(render.status, String(render.stderr)).toBe(0);
    expect(String(render.stdout)).toContain(`(Talos ${talosVersion}, Kubernetes`);
    expect(files).toHaveLength(NODES.length);
    const oracle = requireOracle(contract);
    expect(runTool(oracle, ["version"]).stdout.trim()).toBe(talosVersion);
    if (talosVersion === "v1.11.5") expect(String(render.stderr) + String(render.stdout)).toMatch(/warning: talosVersion v1\.11\.5: Talos 1\.11 is end of life/);
  });

  it("passes the real machinery's strict validation in metal mode with zero warnings", () => {
    const result = runTool(requireOracle(contract), ["validate", "--mode", "metal", "--strict", ...files.map((f) => f.file)]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    for (const { file } of files) expect(result.stdout).toContain(`${file}: valid for metal mode (0 warnings)`);
  });

  it("keeps LUKS2 sealed to the TPM and the secretbox key in force, as Talos's own config accessors resolve them", () => {
    const tpmKey = { slot: 0, tpm: true, nodeID: false, checkSecurebootOnEnroll: true };
    for (const { node, file } of files) {
      const result = runTool(requireOracle(contract), ["inspect", file]);
      expect(result.code, result.stderr).toBe(0);
      const seen = JSON.parse(result.stdout) as { secretboxSHA256: string; volumes: Record<string, unknown> };
      // the secrets encryption key lives on control planes only (v1alpha1 up to 1.13, KubeEtcdEncryptionConfig in 1.14)
      expect(seen.secretboxSHA256, node).toBe(node.startsWith("cp-") ? secretboxSha256 : "");
      expect(seen.volumes, node).toEqual({
        STATE: { provider: "luks2", keys: [{ ...tpmKey, lockToState: false }] },
        EPHEMERAL: { provider: "luks2", keys: [{ ...tpmKey, lockToState: true }] },
      });
    }
  });

  it("is what Talos's generator plus our patch set produce (compare)", () => {
    for (const { node, specFile } of files) {
      const result = runTool(requireOracle(contract), ["compare", specFile]);
      expect(result.code, `${node}:\n${result.stdout}${result.stderr}`).toBe(0);
      expect(result.stdout).toContain(`identical to Talos ${talosVersion}`);
    }
  });
});

describe("the example's Talos 1.14 patches on an older Talos", () => {
  it("are refused with the field and the document to use instead", () => {
    const sandbox = makeSandbox((config) => {
      config["talos-homelab:talosVersion"] = "v1.13.9";
      config["talos-homelab:kubernetesVersion"] = "1.36.3";
    });
    try {
      const result = spawnSync(process.execPath, [CLI, "render"], { cwd: sandbox.root, env: { ...sandbox.env }, encoding: "utf8" });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/node "worker-2" patch 1: Talos v1\.13\.9 has no config document of kind "KubeNodeConfig" \(it exists from Talos v1\.14\)/);
    } finally {
      sandbox.cleanup();
    }
  });
});

describe("moved fields are refused by Talos 1.14 itself", () => {
  // What render refuses up front (naming the document) is what Talos's own validation rejects once
  // its generator has written the new document: both settings in one config conflict.
  it.each([
    ["machine.nodeLabels", "machine:\n  nodeLabels:\n    zone: a\n", /\.machine\.nodeLabels is already set in v1alpha1 config/],
    ["machine.kubelet", "machine:\n  kubelet:\n    extraArgs:\n      max-pods: '150'\n", /kubelet config is already set in v1alpha1 config \(\.machine\.kubelet\)/],
    ["cluster.apiServer", "cluster:\n  apiServer:\n    extraArgs:\n      audit-log-maxage: '30'\n", /kube-apiserver config is already set in v1alpha1 config \(\.cluster\.apiServer\)/],
  ])("%s", (_name, patch, conflict) => {
    const oracle = requireOracle("v1.14");
    const dir = mkdtempSync(join(tmpdir(), "talos-moved-"));
    try {
      const secretsFile = join(dir, "secrets.yaml");
      expect(runTool(oracle, ["gen-secrets", "--talos-version", "v1.14.1", "-o", secretsFile]).code).toBe(0);
      const spec = join(dir, "spec.json");
      const config = join(dir, "controlplane.yaml");
      writeFileSync(spec, JSON.stringify({
        secretsFile, clusterName: "homelab", endpoint: "https://10.0.0.10:6443", kubernetesVersion: "1.37.0",
        talosVersion: "v1.14.1", role: "controlplane", patches: [patch],
      }));
      const gen = runTool(oracle, ["gen-config", spec, "-o", config]);
      expect(gen.code, gen.stderr).toBe(0);
      const validate = runTool(oracle, ["validate", "--mode", "metal", config]);
      expect(validate.code).toBe(1);
      expect(validate.stdout).toMatch(conflict);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
