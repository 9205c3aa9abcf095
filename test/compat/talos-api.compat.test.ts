import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapDeps } from "../../components/dynamic/bootstrap-provider";
import { bootstrapInputs, createBootstrap } from "../../components/dynamic/bootstrap-logic";
import { configApplyDeps } from "../../components/dynamic/config-apply-provider";
import { configApplyInputs, createConfigApply, updateConfigApply } from "../../components/dynamic/config-apply-logic";
import { TalosClient } from "../../talos/api/client";
import type { ClientTlsMaterial } from "../../talos/api/credentials";
import { readMachineStatus, readSecurityState } from "../../talos/api/resources";
import { parseTalosconfigContext } from "../../talos/api/talosconfig-context";
import { parseSecretsYaml } from "../../talos/secrets-yaml";
import { renderTalosconfig } from "../../talos/talosconfig";
import type { CertAndKey, SecretsBundle } from "../../talos/types";
import { createSelfSignedCa, issueLeafCertificate, loadCa } from "../../talos/pki/certificate-authority";
import { type OracleContract, requireOracle, runTool } from "./helpers/tools";

// Our Talos API client and the lifecycle providers against `talos-oracle serve`: Talos's generated
// MachineService behind apid's TLS and role rules, which records every call with its decoded request.

interface Recorded {
  method: string;
  mode: "maintenance" | "configured";
  roles: string[];
  metadata: Record<string, string[]>;
  request: Record<string, unknown>;
  code: string;
  message: string;
}

interface FakeNode {
  readonly address: string;
  readonly certFingerprint: string;
  readonly recordFile: string;
  readonly process: ChildProcessWithoutNullStreams;
  records(): Recorded[];
}

const KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\n";

function contractSuite(contract: OracleContract, talosVersion: string): void {
  const oracle = requireOracle(contract);
  const dir = mkdtempSync(join(tmpdir(), `talos-api-compat-${contract}-`));
  const started: FakeNode[] = [];

  let bundle: SecretsBundle;
  let config: string;
  let talosconfig: string;
  let admin: ClientTlsMaterial;

  async function serve(name: string, args: string[]): Promise<FakeNode> {
    const recordFile = join(dir, `${name}.jsonl`);
    const child = spawn(oracle, ["serve", "--listen", "127.0.0.1:0", "--record", recordFile, ...args], { stdio: "pipe" });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const firstLine = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`talos-oracle serve exited with ${code}: ${stderr}`)));
    });
    const announced = JSON.parse(firstLine) as { address: string; certFingerprint: string };
    const node: FakeNode = {
      ...announced,
      recordFile,
      process: child,
      records: () =>
        existsSync(recordFile)
          ? readFileSync(recordFile, "utf8").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as Recorded)
          : [],
    };
    started.push(node);
    return node;
  }

  function base64(text: string): string {
    return Buffer.from(text).toString("base64");
  }

  function configured(node: FakeNode, tls: ClientTlsMaterial, proxyTo?: string): TalosClient {
    return TalosClient.configured({ endpoint: node.address, node: proxyTo, tls, callTimeoutMs: 10_000 });
  }

  async function clientCertificate(ca: CertAndKey, roles: string[], extKeyUsage: ("clientAuth" | "serverAuth")[]): Promise<ClientTlsMaterial> {
    const now = Date.now();
    const pair = await issueLeafCertificate(loadCa(ca, "ca"), {
      subject: { organizations: roles },
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 3_600_000),
      keyUsage: ["digitalSignature"],
      extKeyUsage,
    });
    return { ca: bundle.certs.os.crt, ...pair };
  }

  beforeAll(async () => {
    const secretsFile = join(dir, "secrets.yaml");
    const generated = runTool(oracle, ["gen-secrets", "--talos-version", talosVersion, "-o", secretsFile]);
    expect(generated.stderr).toBe("");
    bundle = parseSecretsYaml(readFileSync(secretsFile, "utf8"));
    writeFileSync(join(dir, "os.crt"), bundle.certs.os.crt);
    writeFileSync(join(dir, "os.key"), bundle.certs.os.key);
    writeFileSync(join(dir, "kubeconfig"), KUBECONFIG);

    const spec = join(dir, "spec.json");
    writeFileSync(
      spec,
      JSON.stringify({
        secretsFile,
        clusterName: "lab",
        endpoint: "https://10.0.0.10:6443",
        kubernetesVersion: "1.34.1",
        talosVersion,
        role: "controlplane",
        // gen-config has talosctl's generator but not its CLI default install disk; metal mode requires one
        patches: ["machine:\n  install:\n    disk: /dev/sda\n"],
      }),
    );
    const configFile = join(dir, "controlplane.yaml");
    const rendered = runTool(oracle, ["gen-config", spec, "-o", configFile]);
    expect(rendered.stderr).toBe("");
    config = readFileSync(configFile, "utf8");

    talosconfig = await renderTalosconfig(bundle, { contextName: "lab", endpoints: ["127.0.0.1"], nodes: [] });
    admin = parseTalosconfigContext(talosconfig);
  });

  afterAll(() => {
    for (const node of started) node.process.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  describe(`talos-oracle-${contract} serve (a fake apid with Talos's MachineService)`, () => {
    it("takes the first apply in maintenance mode (AUTO, no client certificate, pinned), then later applies over mTLS", async () => {
      const maintenance = await serve("maintenance", ["--maintenance"]);
      const created = await createConfigApply(
        configApplyInputs({ node: maintenance.address, config, talosconfig, maintenanceFingerprint: maintenance.certFingerprint, timeoutSeconds: 30 }),
        configApplyDeps,
      );
      expect(created.outs).toMatchObject({ node: maintenance.address, appliedVia: "maintenance", appliedMode: "AUTO" });
      expect(maintenance.records()).toEqual([
        {
          method: "/machine.MachineService/ApplyConfiguration",
          mode: "maintenance",
          roles: ["os:reader"],
          metadata: {},
          request: { data: base64(config), mode: "AUTO", dry_run: false, try_mode_timeout: null },
          code: "OK",
          message: "",
        },
      ]);

      const node = await serve("configured-apply", ["--ca-crt", join(dir, "os.crt"), "--ca-key", join(dir, "os.key")]);
      const changed = `${config}---\napiVersion: v1alpha1\nkind: WatchdogTimerConfig\ndevice: /dev/watchdog0\n`;
      const updated = await updateConfigApply(configApplyInputs({ node: node.address, config: changed, talosconfig, timeoutSeconds: 30 }), configApplyDeps);
      expect(updated.outs).toMatchObject({ appliedVia: "configured", appliedMode: "NO_REBOOT" });
      expect(node.records()).toEqual([
        {
          method: "/machine.MachineService/ApplyConfiguration",
          mode: "configured",
          roles: ["os:admin"],
          metadata: {},
          request: { data: base64(changed), mode: "AUTO", dry_run: false, try_mode_timeout: null },
          code: "OK",
          message: "",
        },
      ]);
    });

    it("maintenance mode refuses NO_REBOOT with Talos's Unimplemented", async () => {
      const maintenance = await serve("maintenance-modes", ["--maintenance"]);
      const client = TalosClient.maintenance(maintenance.address);
      await expect(client.applyConfiguration(config, { mode: "NO_REBOOT" })).rejects.toThrow(
        "UNIMPLEMENTED: apply configuration --mode='no-reboot' is not supported in maintenance mode",
      );
      client.close();
    });

    it("reads MachineStatus and SecurityState over COSI, in maintenance mode and with a reader certificate", async () => {
      const maintenance = await serve("cosi-maintenance", ["--maintenance"]);
      const insecure = TalosClient.maintenance(maintenance.address, { fingerprint: maintenance.certFingerprint });
      await expect(readMachineStatus(insecure)).resolves.toEqual({ stage: "maintenance", ready: true, unmetConditions: [] });
      await expect(readSecurityState(insecure)).resolves.toEqual({ secureBoot: true, bootedWithUKI: true });
      insecure.close();

      const node = await serve("cosi", ["--ca-crt", join(dir, "os.crt"), "--ca-key", join(dir, "os.key")]);
      const reader = await clientCertificate(bundle.certs.os, ["os:reader"], ["clientAuth"]);
      const client = configured(node, reader);
      await expect(readMachineStatus(client)).resolves.toMatchObject({ stage: "running", ready: true });
      await expect(client.getResource("runtime", "MachineStatuses.runtime.talos.dev", "nope")).rejects.toThrow(/NOT_FOUND: resource .* doesn't exist/);
      await expect(client.listResources("runtime", "SecurityStates.talos.dev")).resolves.toHaveLength(1);
      client.close();
      expect(node.records().map((r) => [r.method, r.request])).toEqual([
        ["/cosi.resource.State/Get", { namespace: "runtime", type: "MachineStatuses.runtime.talos.dev", id: "machine", options: null }],
        ["/cosi.resource.State/Get", { namespace: "runtime", type: "MachineStatuses.runtime.talos.dev", id: "nope", options: null }],
        ["/cosi.resource.State/List", { namespace: "runtime", type: "SecurityStates.talos.dev", options: null }],
      ]);
    });

    it("a first apply to a node that is already configured goes over mutual TLS", async () => {
      const node = await serve("configured-first", ["--ca-crt", join(dir, "os.crt"), "--ca-key", join(dir, "os.key")]);
      const created = await createConfigApply(configApplyInputs({ node: node.address, config, talosconfig, timeoutSeconds: 30 }), configApplyDeps);
      expect(created.outs.appliedVia).toBe("configured");
      expect(node.records().map((r) => [r.mode, r.roles, r.code])).toEqual([["configured", ["os:admin"], "OK"]]);
    });

    it("reports an invalid config with Talos's own message, without retrying", async () => {
      const node = await serve("invalid", ["--ca-crt", join(dir, "os.crt"), "--ca-key", join(dir, "os.key")]);
      await expect(
        updateConfigApply(configApplyInputs({ node: node.address, config: "version: v1alpha1\nmachine: {type: nonsense}\n", talosconfig }), configApplyDeps),
      ).rejects.toThrow(/INVALID_ARGUMENT: configuration validation failed: .+unknown machine type "nonsense" \(the node refused the machine config; fix the config and apply again\)/s);
      expect(node.records()).toHaveLength(1);
      expect(node.records()[0].code).toBe("InvalidArgument");
    });

    it("bootstraps once: FailedPrecondition is retried, the first success is done, AlreadyExists later counts as done", async () => {
      const node = await serve("bootstrap", ["--ca-crt", join(dir, "os.crt"), "--ca-key", join(dir, "os.key"), "--bootstrap-not-ready", "2"]);
      const inputs = bootstrapInputs({ node: node.address, talosconfig, timeoutSeconds: 60 });
      await expect(createBootstrap(inputs, bootstrapDeps)).resolves.toMatchObject({ outs: { outcome: "bootstrapped" } });
      await expect(createBootstrap(inputs, bootstrapDeps)).resolves.toMatchObject({ outs: { outcome: "already-bootstrapped" } });
      const records = node.records();
      expect(records.map((r) => [r.method, r.code, r.message])).toEqual([
        ["/machine.MachineService/Bootstrap", "FailedPrecondition", "bootstrap is not available yet"],
        ["/machine.MachineService/Bootstrap", "FailedPrecondition", "bootstrap is not available yet"],
        ["/machine.MachineService/Bootstrap", "OK", ""],
        ["/machine.MachineService/Bootstrap", "AlreadyExists", "etcd data directory is not empty"],
      ]);
      for (const record of records) expect(record.request).toEqual({ recover_etcd: false, recover_skip_hash_check: false });
    });

    it("refuses a certificate without the admin role, and one from another CA, and one not exactly clientAuth", async () => {
      const node = await serve("auth", ["--ca-crt", join(dir, "os.crt"), "--ca-key", join(dir, "os.key")]);

      const reader = parseTalosconfigContext(
        await renderTalosconfig(bundle, { contextName: "lab", endpoints: [node.address], nodes: [], roles: ["os:reader"] }),
      );
      const readerClient = configured(node, reader);
      await expect(readerClient.bootstrap()).rejects.toThrow(/PERMISSION_DENIED: not authorized/);
      await expect(readerClient.version()).resolves.toMatchObject({ messages: [{ version: { tag: talosVersion } }] });
      readerClient.close();
      expect(node.records().map((r) => [r.method, r.roles, r.code])).toEqual([
        ["/machine.MachineService/Bootstrap", ["os:reader"], "PermissionDenied"],
        ["/machine.MachineService/Version", ["os:reader"], "OK"],
      ]);

      const otherCa = await createSelfSignedCa({ algorithm: "ed25519", organization: "talos", now: new Date(Date.now() - 60_000) });
      const stranger = { ...(await clientCertificate(otherCa, ["os:admin"], ["clientAuth"])), ca: bundle.certs.os.crt };
      const strangerClient = configured(node, stranger);
      await expect(strangerClient.bootstrap()).rejects.toThrow(/UNAVAILABLE: .*alert unknown ca.*\(the node does not trust our client certificate/s);
      strangerClient.close();

      const dualUse = await clientCertificate(bundle.certs.os, ["os:admin"], ["serverAuth", "clientAuth"]);
      const dualClient = configured(node, dualUse);
      await expect(dualClient.bootstrap()).rejects.toThrow(/alert bad certificate.*ExtKeyUsage exactly clientAuth/s);
      dualClient.close();

      expect(node.records()).toHaveLength(2);
    });

    it("proxies with node metadata, lists etcd members and streams the kubeconfig archive", async () => {
      const node = await serve("reads", [
        "--ca-crt", join(dir, "os.crt"), "--ca-key", join(dir, "os.key"),
        "--etcd-members", "cp-1,cp-2", "--kubeconfig", join(dir, "kubeconfig"),
      ]);
      const client = configured(node, admin, "10.0.0.12");
      const members = await client.etcdMemberList(true);
      expect(members.messages[0].members.map((m) => [m.id, m.hostname, m.peerUrls])).toEqual([
        ["1", "cp-1", ["https://cp-1:2380"]],
        ["2", "cp-2", ["https://cp-2:2380"]],
      ]);
      await expect(client.kubeconfig()).resolves.toBe(KUBECONFIG);
      const upgrade = await client.upgrade({
        image: "factory.talos.dev/nocloud-installer/abc:v1.11.5",
        preserve: true,
        stage: true,
        force: true,
        rebootMode: "POWERCYCLE",
      });
      expect(upgrade.messages[0].ack).toBe("Upgrade request received");
      // every field set to a non-default value, so each field number is checked against Talos's decoder
      const dryRun = await client.applyConfiguration(config, { mode: "TRY", dryRun: true, tryModeTimeoutSeconds: 90 });
      expect(dryRun.messages[0].mode).toBe("TRY");
      await client.bootstrap({ recoverEtcd: true, recoverSkipHashCheck: true });
      client.close();
      const records = node.records();
      expect(records.map((r) => [r.method, r.metadata])).toEqual([
        ["/machine.MachineService/EtcdMemberList", { node: ["10.0.0.12"] }],
        ["/machine.MachineService/Kubeconfig", { node: ["10.0.0.12"] }],
        ["/machine.MachineService/Upgrade", { node: ["10.0.0.12"] }],
        ["/machine.MachineService/ApplyConfiguration", { node: ["10.0.0.12"] }],
        ["/machine.MachineService/Bootstrap", { node: ["10.0.0.12"] }],
      ]);
      expect(records[0].request).toEqual({ query_local: true });
      expect(records[1].request).toEqual({});
      expect(records[2].request).toEqual({
        image: "factory.talos.dev/nocloud-installer/abc:v1.11.5",
        preserve: true,
        stage: true,
        force: true,
        reboot_mode: "POWERCYCLE",
      });
      expect(records[3].request).toEqual({ data: base64(config), mode: "TRY", dry_run: true, try_mode_timeout: "90s" });
      expect(records[4].request).toEqual({ recover_etcd: true, recover_skip_hash_check: true });
    });
  });
}

contractSuite("v1.11", "v1.11.5");
contractSuite("v1.12", "v1.12.7");
// The messages and methods in talos/api/proto are field-for-field the same in machinery 1.11.5, 1.12.7,
// 1.13.9 and 1.14.1 (1.13 only dropped GenerateConfiguration, which we do not use): each contract's fake
// apid serves that version's own generated protos, and our one client speaks to all of them.
contractSuite("v1.13", "v1.13.9");
contractSuite("v1.14", "v1.14.1");
