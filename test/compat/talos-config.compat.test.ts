import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { machineConfigCompareSpec, renderMachineConfig } from "../../talos/machine-config/render";
import { contractFor } from "../../talos/contract";
import { generateSecretsBundle } from "../../talos/secrets-bundle";
import { parseSecretsYaml, serializeSecretsYaml } from "../../talos/secrets-yaml";
import type { ClusterSpec, DiskEncryptionMode, NodeSpec, SecretsBundle } from "../../talos/types";
import { clusterSpec as fixtureClusterSpec } from "../talos/machine-config/fixtures";
import { type ToolName, requireTool, runTool } from "./helpers/tools";

// Our rendered machine configs against Talos's own code: `validate --mode metal` must report nothing,
// and `compare` (Talos's generator + our patches through Talos's configpatcher) must find no difference.

interface ContractCase {
  readonly oracle: ToolName;
  readonly talosVersion: string;
}

const contracts: ContractCase[] = [
  { oracle: "talos-oracle-v1.11", talosVersion: "v1.11.5" },
  { oracle: "talos-oracle-v1.12", talosVersion: "v1.12.7" },
  { oracle: "talos-oracle-v1.13", talosVersion: "v1.13.9" },
  { oracle: "talos-oracle-v1.14", talosVersion: "v1.14.1" },
];

/** Sysctls, kubelet args, API server args and node labels: v1alpha1 fields up to 1.13, their own documents in 1.14. */
const multidoc = (talosVersion: string): boolean => talosVersion.startsWith("v1.14.");
const kubeletArgsPatch = (v: string): string =>
  multidoc(v)
    ? "apiVersion: v1alpha1\nkind: KubeletConfig\nextraArgs:\n  max-pods: \"150\"\n"
    : "machine:\n  kubelet:\n    extraArgs:\n      max-pods: \"150\"\n";
const apiServerArgsPatch = (v: string): string =>
  multidoc(v)
    ? "apiVersion: v1alpha1\nkind: KubeAPIServerConfig\nextraArgs:\n  audit-log-maxage: \"30\"\n"
    : "cluster:\n  apiServer:\n    extraArgs:\n      audit-log-maxage: \"30\"\n";
const sysctlPatch = (v: string): string =>
  multidoc(v)
    ? "apiVersion: v1alpha1\nkind: SysctlConfig\nparams:\n  vm.max_map_count: \"262144\"\n"
    : "machine:\n  sysctls:\n    vm.max_map_count: \"262144\"\n";
const nodeLabelsPatch = (v: string): string =>
  multidoc(v)
    ? "apiVersion: v1alpha1\nkind: KubeNodeConfig\nlabels:\n  topology.kubernetes.io/zone: rack-1\n"
    : "machine:\n  nodeLabels:\n    topology.kubernetes.io/zone: rack-1\n";

const nodes = (talosVersion: string): NodeSpec[] => [
  { name: "cp-1", role: "controlplane", address: "192.168.10.11/24", gateway: "192.168.10.1", mac: "bc:24:11:0a:00:01", patches: [] },
  { name: "cp-2", role: "controlplane", address: "192.168.10.12/24", gateway: "192.168.10.1", mac: "bc:24:11:0a:00:02", patches: [] },
  // no MAC: the interface is chosen by `physical: true` (1.11) or the equivalent link alias (1.12)
  { name: "cp-3", role: "controlplane", address: "192.168.10.13/24", gateway: "192.168.10.1", patches: [] },
  {
    name: "worker-1",
    role: "worker",
    address: "192.168.10.21/24",
    gateway: "192.168.10.1",
    mac: "bc:24:11:0a:00:21",
    patches: [nodeLabelsPatch(talosVersion)],
  },
  { name: "worker-2", role: "worker", address: "192.168.10.22/24", gateway: "192.168.10.1", patches: [] },
];

function clusterSpec(talosVersion: string, diskEncryption: DiskEncryptionMode): ClusterSpec {
  return fixtureClusterSpec(
    {
      diskEncryption,
      installerImage: `factory.talos.dev/nocloud-installer-secureboot/ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515:${talosVersion}`,
      patches: [
        sysctlPatch(talosVersion),
        // Talos replaces pod subnets on merge (v1alpha1 .cluster.network up to 1.13, KubeNetworkConfig in 1.14)
        multidoc(talosVersion)
          ? "apiVersion: v1alpha1\nkind: KubeNetworkConfig\npodSubnets:\n  - 10.100.0.0/16\n"
          : "cluster:\n  network:\n    podSubnets:\n      - 10.100.0.0/16\n",
      ],
      rolePatches: { controlplane: [apiServerArgsPatch(talosVersion)], worker: [kubeletArgsPatch(talosVersion)] },
    },
    talosVersion,
  );
}

let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "talos-config-compat-"));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe.each(contracts)("machine configs for $talosVersion", ({ oracle, talosVersion }) => {
  describe.each(["tpm", "nodeid"] as const)("3 control planes + 2 workers, disk encryption %s", (diskEncryption) => {
    let dir: string;
    let secretsFile: string;
    const rendered: { node: NodeSpec; file: string; specFile: string }[] = [];

    // TPM on: our own bundle (written with our secrets.yaml writer); TPM off: a bundle from Talos's code.
    beforeAll(async () => {
      const tool = requireTool(oracle);
      dir = mkdtempSync(join(workDir, `${talosVersion}-${diskEncryption}-`));
      secretsFile = join(dir, "secrets.yaml");
      let bundle: SecretsBundle;
      if (diskEncryption === "tpm") {
        bundle = await generateSecretsBundle(contractFor(talosVersion));
        writeFileSync(secretsFile, serializeSecretsYaml(bundle), { mode: 0o600 });
      } else {
        const gen = runTool(tool, ["gen-secrets", "--talos-version", talosVersion, "-o", secretsFile]);
        expect(gen.code, gen.stderr).toBe(0);
        bundle = parseSecretsYaml(readFileSync(secretsFile, "utf8"));
      }
      const cluster = clusterSpec(talosVersion, diskEncryption);
      for (const node of nodes(talosVersion)) {
        const out = renderMachineConfig(bundle, cluster, node);
        const file = join(dir, `${node.name}.yaml`);
        writeFileSync(file, out.yaml, { mode: 0o600 });
        const specFile = join(dir, `${node.name}.spec.json`);
        const spec = machineConfigCompareSpec(bundle, cluster, node);
        writeFileSync(specFile, JSON.stringify({ secretsFile, ...spec, renderedFile: file }));
        rendered.push({ node, file, specFile });
      }
    });

    it("validate --mode metal: zero errors and zero warnings on every config", () => {
      const result = runTool(requireTool(oracle), ["validate", "--mode", "metal", ...rendered.map((r) => r.file)]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      for (const { file } of rendered) {
        expect(result.stdout).toContain(`${file}: valid for metal mode (0 warnings)`);
      }
      // strict mode turns any warning into an error, so this also proves there are none
      const strict = runTool(requireTool(oracle), ["validate", "--mode", "metal", "--strict", ...rendered.map((r) => r.file)]);
      expect(strict.code, strict.stdout + strict.stderr).toBe(0);
    });

    it("compare: Talos's generator + our patches through Talos's patcher gives exactly our configs", () => {
      for (const { node, specFile } of rendered) {
        const result = runTool(requireTool(oracle), ["compare", specFile]);
        expect(result.code, `${node.name}:\n${result.stdout}${result.stderr}`).toBe(0);
        expect(result.stdout).toContain("identical");
      }
    });

    it("byte for byte: our file is exactly what Talos encodes for the same inputs and patches", () => {
      for (const { node, file, specFile } of rendered) {
        const talosFile = join(dir, `${node.name}.talos.yaml`);
        const result = runTool(requireTool(oracle), ["gen-config", specFile, "-o", talosFile]);
        expect(result.code, result.stderr).toBe(0);
        expect(readFileSync(file, "utf8"), node.name).toBe(readFileSync(talosFile, "utf8"));
      }
    });
  });
});
