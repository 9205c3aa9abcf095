import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { type OracleContract, requireTool, runTool, type ToolName } from "./helpers/tools";

// Smoke test of the toolchain itself: every oracle command against output made by Talos's own code.

interface ContractCase {
  contract: OracleContract;
  oracle: ToolName;
  talosVersion: string;
  /** Documents the generator writes per role. */
  documents: { controlplane: number; worker: number };
}

const contracts: ContractCase[] = [
  { contract: "v1.11", oracle: "talos-oracle-v1.11", talosVersion: "v1.11.5", documents: { controlplane: 1, worker: 1 } },
  { contract: "v1.12", oracle: "talos-oracle-v1.12", talosVersion: "v1.12.7", documents: { controlplane: 2, worker: 2 } },
  { contract: "v1.13", oracle: "talos-oracle-v1.13", talosVersion: "v1.13.9", documents: { controlplane: 2, worker: 2 } },
  // 1.14 writes Kubernetes, discovery, host DNS and volume settings as documents of their own
  { contract: "v1.14", oracle: "talos-oracle-v1.14", talosVersion: "v1.14.1", documents: { controlplane: 28, worker: 14 } },
];

const installPatch = stringify({
  machine: { install: { disk: "/dev/sda", image: "factory.talos.dev/nocloud-installer/abc:v1.11.5" } },
});

let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "talos-oracle-compat-"));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe("helpers/tools", () => {
  it("requireTool names the env var and the command to run when a tool is missing", () => {
    const saved = process.env.TALOS_ORACLE_V1_12;
    delete process.env.TALOS_ORACLE_V1_12;
    try {
      expect(() => requireTool("talos-oracle-v1.12")).toThrow(/TALOS_ORACLE_V1_12.*npm run test:compat/);
    } finally {
      process.env.TALOS_ORACLE_V1_12 = saved;
    }
  });

  it("runTool returns the exit code and output of a failing command", () => {
    const result = runTool(requireTool("talos-oracle-v1.11"), ["no-such-command"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "no-such-command"');
  });
});

describe("sops and age", () => {
  it("are the pinned versions", () => {
    expect(runTool(requireTool("sops"), ["--version", "--disable-version-check"]).stdout).toContain("3.11.0");
    expect(runTool(requireTool("age"), ["--version"]).stdout.trim()).toBe("v1.2.1");
  });

  it("age-keygen, age -e and age -d round-trip", () => {
    const keyFile = join(workDir, "age.key");
    expect(runTool(requireTool("age-keygen"), ["-o", keyFile]).code).toBe(0);
    const recipient = runTool(requireTool("age-keygen"), ["-y", keyFile]).stdout.trim();
    expect(recipient).toMatch(/^age1[0-9a-z]{58}$/);

    const encrypted = runTool(requireTool("age"), ["-e", "-a", "-r", recipient], { input: "hello" });
    expect(encrypted.stdout).toContain("-----BEGIN AGE ENCRYPTED FILE-----");
    const decrypted = runTool(requireTool("age"), ["-d", "-i", keyFile], { input: encrypted.stdout });
    expect(decrypted.stdout).toBe("hello");
  });
});

describe.each(contracts)("talos-oracle $contract", ({ contract, oracle, talosVersion, documents }) => {
  let oraclePath: string;
  let dir: string;
  let secretsFile: string;

  const writeSpec = (name: string, spec: Record<string, unknown>): string => {
    const file = join(dir, `${name}.spec.json`);
    writeFileSync(file, JSON.stringify(spec));
    return file;
  };

  const baseSpec = (role: "controlplane" | "worker", patches: string[], renderedFile: string) => ({
    secretsFile,
    clusterName: "homelab",
    endpoint: "https://10.0.0.10:6443",
    kubernetesVersion: "1.34.1",
    talosVersion,
    role,
    patches,
    renderedFile,
  });

  beforeAll(() => {
    oraclePath = requireTool(oracle);
    dir = mkdtempSync(join(workDir, `${contract}-`));
    secretsFile = join(dir, "secrets.yaml");
  });

  it("reports its machinery version", () => {
    expect(runTool(oraclePath, ["version"]).stdout.trim()).toBe(talosVersion);
  });

  it("gen-secrets writes a bundle that bundle --strict accepts", () => {
    const gen = runTool(oraclePath, ["gen-secrets", "--talos-version", talosVersion, "-o", secretsFile]);
    expect(gen.stderr).toBe("");
    expect(gen.code).toBe(0);
    const bundle = parse(readFileSync(secretsFile, "utf8")) as { certs: { os: { key: string } } };
    expect(Buffer.from(bundle.certs.os.key, "base64").toString()).toContain("-----BEGIN ED25519 PRIVATE KEY-----");

    const check = runTool(oraclePath, ["bundle", "--strict", secretsFile]);
    expect(check.stdout).toContain("valid secrets bundle");
    expect(check.code).toBe(0);
  });

  it("bundle rejects a bundle without the trustd token, naming the field", () => {
    const broken = parse(readFileSync(secretsFile, "utf8")) as { trustdinfo: { token: string } };
    broken.trustdinfo.token = "";
    const brokenFile = join(dir, "broken-secrets.yaml");
    writeFileSync(brokenFile, stringify(broken));

    const check = runTool(oraclePath, ["bundle", brokenFile]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("trustdinfo.token is required");
  });

  it("bundle --strict reports a re-encoded bundle that differs from Talos's encoding", () => {
    const reordered = join(dir, "reordered-secrets.yaml");
    writeFileSync(reordered, stringify(parse(readFileSync(secretsFile, "utf8")), { sortMapEntries: true }));
    expect(runTool(oraclePath, ["bundle", reordered]).code).toBe(0);
    const strict = runTool(oraclePath, ["bundle", "--strict", reordered]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain("not byte-identical");
  });

  for (const role of ["controlplane", "worker"] as const) {
    it(`gen-config ${role}: validate --mode metal passes with zero warnings and compare finds no difference`, () => {
      const rendered = join(dir, `${role}.yaml`);
      const spec = writeSpec(role, baseSpec(role, [installPatch], rendered));
      const gen = runTool(oraclePath, ["gen-config", spec, "-o", rendered]);
      expect(gen.stderr).toBe("");
      expect(gen.code).toBe(0);
      expect(parseAllDocuments(readFileSync(rendered, "utf8"))).toHaveLength(documents[role]);

      const validate = runTool(oraclePath, ["validate", "--mode", "metal", rendered]);
      expect(validate.stdout).not.toContain("warning:");
      expect(validate.stdout).toContain(`${rendered}: valid for metal mode (0 warnings)`);
      expect(validate.code).toBe(0);

      const compare = runTool(oraclePath, ["compare", spec]);
      expect(compare.stdout).toContain("identical");
      expect(compare.code).toBe(0);
    });
  }

  it("compare prints a diff and exits 1 when a field differs", () => {
    const changed = join(dir, "changed.yaml");
    const original = readFileSync(join(dir, "controlplane.yaml"), "utf8");
    writeFileSync(changed, original.replace("clusterName: homelab", "clusterName: other"));
    const spec = writeSpec("changed", baseSpec("controlplane", [installPatch], changed));

    const compare = runTool(oraclePath, ["compare", spec]);
    expect(compare.code).toBe(1);
    // v1alpha1 .cluster.clusterName up to 1.13; KubeClusterConfig's top-level clusterName in 1.14
    expect(compare.stdout).toMatch(/^- *clusterName: homelab$/m);
    expect(compare.stdout).toMatch(/^\+ *clusterName: other$/m);
  });

  it("validate --mode metal fails without an install disk (before 1.14) and on unknown keys", () => {
    const noDisk = join(dir, "no-disk.yaml");
    generateConfigFile(oraclePath, writeSpec("no-disk", baseSpec("worker", [], noDisk)), noDisk);
    const missingDisk = runTool(oraclePath, ["validate", "--mode", "metal", noDisk]);
    if (contract === "v1.14") {
      // 1.14 deprecates .machine.install (UnattendedInstallConfig) and no longer requires an install disk
      expect(missingDisk.code).toBe(0);
    } else {
      expect(missingDisk.code).toBe(1);
      expect(missingDisk.stdout).toMatch(/no-disk\.yaml: error: .*install/);
    }

    const unknownKey = join(dir, "unknown-key.yaml");
    writeFileSync(unknownKey, readFileSync(join(dir, "worker.yaml"), "utf8").replace("machine:\n", "machine:\n    bogus: 1\n"));
    const strict = runTool(oraclePath, ["validate", "--mode", "metal", unknownKey]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain("unknown keys found during decoding");
  });

  it("applies JSON 6902 patches as Talos does (refused on multi-document configs)", () => {
    const rendered = join(dir, "json-patched.yaml");
    const jsonPatch = JSON.stringify([{ op: "add", path: "/machine/network/hostname", value: "cp-1" }]);
    const spec = writeSpec("json-patched", baseSpec("controlplane", [installPatch, jsonPatch], rendered));
    const gen = runTool(oraclePath, ["gen-config", spec, "-o", rendered]);
    if (documents.controlplane === 1) {
      expect(gen.code).toBe(0);
      expect(readFileSync(rendered, "utf8")).toContain("hostname: cp-1");
    } else {
      expect(gen.code).toBe(2);
      expect(gen.stderr).toContain("JSON6902 patches are not supported for multi-document machine configuration");
    }
  });

  it("talosconfig loads Talos's own talosconfig and builds its TLS credentials", () => {
    const talosconfig = join(dir, "talosconfig");
    const gen = runTool(oraclePath, [
      "gen-talosconfig", "--secrets", secretsFile, "--cluster", "homelab",
      "--endpoints", "10.0.0.11,10.0.0.12", "--nodes", "10.0.0.11", "-o", talosconfig,
    ]);
    expect(gen.code).toBe(0);

    const check = runTool(oraclePath, ["talosconfig", talosconfig]);
    expect(check.stderr).toBe("");
    expect(check.code).toBe(0);
    expect(check.stdout).toContain("context: homelab");
    expect(check.stdout).toContain("endpoints: 10.0.0.11,10.0.0.12");
    expect(check.stdout).toContain("nodes: 10.0.0.11");
    expect(check.stdout).toContain("subject: O=os:admin");
    expect(check.stdout).toContain("key: ed25519.PrivateKey");
  });

  it("talosconfig rejects a client certificate from another CA", () => {
    const other = join(dir, "other-secrets.yaml");
    expect(runTool(oraclePath, ["gen-secrets", "-o", other]).code).toBe(0);
    const foreign = join(dir, "foreign-talosconfig");
    runTool(oraclePath, ["gen-talosconfig", "--secrets", other, "--cluster", "homelab", "-o", foreign]);
    const ours = parse(readFileSync(join(dir, "talosconfig"), "utf8")) as TalosConfigFile;
    const theirs = parse(readFileSync(foreign, "utf8")) as TalosConfigFile;
    ours.contexts.homelab.crt = theirs.contexts.homelab.crt;
    ours.contexts.homelab.key = theirs.contexts.homelab.key;
    const mixed = join(dir, "mixed-talosconfig");
    writeFileSync(mixed, stringify(ours));

    const check = runTool(oraclePath, ["talosconfig", mixed]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain("does not verify against the context CA");
  });

  if (contract === "v1.11") {
    it("refuses a spec for a newer contract than its machinery", () => {
      const spec = writeSpec("newer", { ...baseSpec("worker", [], join(dir, "x.yaml")), talosVersion: "v1.12.7" });
      const gen = runTool(oraclePath, ["gen-config", spec, "-o", join(dir, "x.yaml")]);
      expect(gen.code).toBe(2);
      expect(gen.stderr).toContain("use the oracle built for v1.12");
    });
  }
});

interface TalosConfigFile {
  contexts: Record<string, { crt: string; key: string }>;
}

function generateConfigFile(oraclePath: string, spec: string, output: string): void {
  const gen = runTool(oraclePath, ["gen-config", spec, "-o", output]);
  expect(gen.code).toBe(0);
}
