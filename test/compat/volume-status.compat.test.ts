/**
 * The health check's disk-encryption check against `talos-oracle serve` (Talos's own VolumeStatus spec type, YAML as
 * machined's COSI server sends it, behind apid's TLS and role rules), for every served Talos contract: by default
 * STATE and EPHEMERAL are LUKS2 with a TPM-sealed key and the check passes; a node started with
 * `--volume-unencrypted EPHEMERAL` fails it, naming the node and the volume.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkVolumeEncryption, clusterHealthInputs } from "../../components/dynamic/cluster-health-logic";
import { liveHealthProbes } from "../../components/dynamic/cluster-health-provider";
import { TalosClient } from "../../talos/api/client";
import { parseTalosconfigContext } from "../../talos/api/talosconfig-context";
import { readVolumeStatus } from "../../talos/api/volume-status";
import { parseSecretsYaml } from "../../talos/secrets-yaml";
import { renderTalosconfig } from "../../talos/talosconfig";
import { type OracleContract, requireOracle, runTool } from "./helpers/tools";

/** The health probes parse the kubeconfig up front; the volume check never uses it. */
const UNUSED_KUBECONFIG = `apiVersion: v1
kind: Config
current-context: c
contexts: [{name: c, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", certificate-authority-data: eA==}}]
users: [{name: u, user: {client-certificate-data: eA==, client-key-data: eA==}}]
`;

function contractSuite(contract: OracleContract, talosVersion: string): void {
  describe(`talos-oracle-${contract} serve: VolumeStatus and the TPM disk-encryption check`, () => {
    const oracle = requireOracle(contract);
    const dir = mkdtempSync(join(tmpdir(), `volume-status-compat-${contract}-`));
    const started: ChildProcessWithoutNullStreams[] = [];
    let talosconfig: string;

    async function serve(name: string, extra: string[]): Promise<{ name: string; address: string }> {
      const args = ["serve", "--listen", "127.0.0.1:0", "--record", join(dir, `${name}.jsonl`), "--ca-crt", join(dir, "os.crt"), "--ca-key", join(dir, "os.key"), ...extra];
      const child = spawn(oracle, args, { stdio: "pipe" });
      started.push(child);
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`talos-oracle serve exited with ${code}: ${stderr}`)));
      });
      return { name, address: (JSON.parse(line) as { address: string }).address };
    }

    beforeAll(async () => {
      const secretsFile = join(dir, "secrets.yaml");
      runTool(oracle, ["gen-secrets", "--talos-version", talosVersion, "-o", secretsFile]);
      const bundle = parseSecretsYaml(readFileSync(secretsFile, "utf8"));
      writeFileSync(join(dir, "os.crt"), bundle.certs.os.crt);
      writeFileSync(join(dir, "os.key"), bundle.certs.os.key, { mode: 0o600 });
      talosconfig = await renderTalosconfig(bundle, { contextName: "lab", endpoints: ["127.0.0.1"], nodes: [] });
    });
    afterAll(() => {
      for (const child of started) child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    });

    const inputsFor = (controlPlanes: { name: string; address: string }[], workers: { name: string; address: string }[], requireTpmVolumes = true) =>
      clusterHealthInputs({ controlPlanes, workers, talosconfig, kubeconfig: UNUSED_KUBECONFIG, requireTpmVolumes });

    it("serves STATE and EPHEMERAL as LUKS2 with the TPM key by default (META plain), and the check passes", async () => {
      const cp = await serve("cp-1", []);
      const worker = await serve("worker-1", []);
      const client = TalosClient.configured({ endpoint: cp.address, tls: parseTalosconfigContext(talosconfig), callTimeoutMs: 10_000 });
      try {
        expect(await readVolumeStatus(client, "STATE")).toEqual({ id: "STATE", phase: "ready", encryptionProvider: "luks2", configuredEncryptionKeys: ["tpm"] });
        expect(await readVolumeStatus(client, "META")).toEqual({ id: "META", phase: "ready", encryptionProvider: "none", configuredEncryptionKeys: [] });
        const listed = await client.listResources("runtime", "VolumeStatuses.block.talos.dev");
        expect(listed.map((r) => r.metadata?.id)).toEqual(["META", "STATE", "EPHEMERAL"]);
      } finally {
        client.close();
      }
      const inputs = inputsFor([cp], [worker]);
      expect(await checkVolumeEncryption(inputs, liveHealthProbes(inputs))).toEqual([]);
    });

    it("fails the check for a node with an unencrypted EPHEMERAL (--volume-unencrypted EPHEMERAL), naming node and volume", async () => {
      const cp = await serve("cp-2", []);
      const worker = await serve("worker-2", ["--volume-unencrypted", "EPHEMERAL"]);
      const inputs = inputsFor([cp], [worker]);
      expect(await checkVolumeEncryption(inputs, liveHealthProbes(inputs))).toEqual([
        `volume EPHEMERAL on worker-2 (${worker.address}): is not encrypted (encryptionProvider none, want luks2); security.tpmDiskEncryption asks for LUKS2 sealed to the TPM`,
      ]);
      // security.tpmDiskEncryption off: the volumes are not a health condition.
      const off = inputsFor([cp], [worker], false);
      expect(await checkVolumeEncryption(off, liveHealthProbes(off))).toEqual([]);
    });

    it("refuses an unknown --volume-unencrypted name", () => {
      const result = runTool(oracle, ["serve", "--record", join(dir, "x.jsonl"), "--ca-crt", join(dir, "os.crt"), "--ca-key", join(dir, "os.key"), "--volume-unencrypted", "META"]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/--volume-unencrypted "META": not an encrypted volume of this fake \(STATE, EPHEMERAL\)/);
    });
  });
}

contractSuite("v1.11", "v1.11.5");
contractSuite("v1.12", "v1.12.7");
contractSuite("v1.13", "v1.13.9");
contractSuite("v1.14", "v1.14.1");
