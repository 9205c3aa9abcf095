/**
 * Every Kubernetes manifest the project writes, strictly decoded into the real Go API types of the projects that
 * serve it (test/compat/kube-decode, built by run.sh): the FluxInstance (Flux Operator), the Secrets (k8s.io/api),
 * the runtime layer's HelmRepository/HelmRelease/Kustomization (Flux controllers' api modules), kustomization.yaml
 * (kustomize api), and ClusterSecretStore/ExternalSecret (External Secrets). Unknown, duplicate and wrong-case
 * fields are refused, and so is a kind the decoders have no type for.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderGitopsTree } from "../../gitops/render";
import { decryptText } from "../../sops";
import { makeSandbox, snapshot } from "../gitops/sandbox";
import { runTool } from "./helpers/tools";

type Decoder = "flux" | "eso";
const DECODER_ENV: Record<Decoder, string> = { flux: "KUBE_DECODE_FLUX", eso: "KUBE_DECODE_ESO" };

function decoderPath(decoder: Decoder): string {
  const path = process.env[DECODER_ENV[decoder]];
  if (path === undefined || path === "") throw new Error(`${DECODER_ENV[decoder]} is not set: kube-decode is built by test/compat/run.sh; run \`npm run test:compat\``);
  return path;
}

interface Manifest {
  readonly source: string;
  readonly text: string;
  readonly apiVersion: string;
  readonly kind: string;
}

let scratch: string;
const manifests: Manifest[] = [];

function decoderFor(apiVersion: string): Decoder {
  return apiVersion.startsWith("external-secrets.io/") ? "eso" : "flux";
}

/** Runs one decoder over documents written to a scratch file; returns its exit code and lines. */
function decode(decoder: Decoder, texts: readonly string[]): { code: number; lines: string[] } {
  const file = join(scratch, `${decoder}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, texts.join("---\n"), { mode: 0o600 });
  const result = runTool(decoderPath(decoder), [file]);
  return { code: result.code, lines: result.stdout.trim().split("\n").filter((l) => l !== "") };
}

function collect(source: string, text: string): void {
  for (const doc of parseAllDocuments(text)) {
    const value = doc.toJS() as { apiVersion?: string; kind?: string };
    if (value.apiVersion === undefined || value.kind === undefined) continue;
    manifests.push({ source, text: doc.toString(), apiVersion: value.apiVersion, kind: value.kind });
  }
}

/** Renders the example stack in `mode` (with Git credentials, so that Secret is written too) and collects its manifests. */
async function renderAndCollect(mode: string): Promise<void> {
  const sandbox = makeSandbox((config) => {
    config["talos-homelab:runtimeSecrets"] = { mode };
  });
  try {
    const env = { ...sandbox.env, TALOS_HOMELAB_GIT_TOKEN: "compat-test-token" };
    await renderGitopsTree({ stackFile: sandbox.stackFile, env, now: new Date("2025-06-01T12:00:00Z") });
    const identity = readFileSync(sandbox.keysFile, "utf8").split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"))!;
    for (const path of snapshot(sandbox.outDir).keys()) {
      if (!path.startsWith("clusters/")) continue;
      const bytes = readFileSync(join(sandbox.outDir, path));
      const text = path.endsWith(".sops.yaml") ? await decryptText(bytes, { format: "yaml", identities: [identity], env: {} }) : bytes.toString("utf8");
      collect(`${mode}:${path}`, text);
    }
  } finally {
    sandbox.cleanup();
  }
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "talos-homelab-kube-decode-"));
  for (const mode of ["openbao-eso", "vault-eso", "sealed-secrets"]) await renderAndCollect(mode);
}, 300_000);
afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

describe("rendered manifests against the projects' Go API types", () => {
  it("covers every kind the project writes", () => {
    const kinds = [...new Set(manifests.map((m) => `${m.apiVersion}/${m.kind}`))].sort();
    expect(kinds).toEqual([
      "external-secrets.io/v1/ClusterSecretStore",
      "external-secrets.io/v1/ExternalSecret",
      "fluxcd.controlplane.io/v1/FluxInstance",
      "helm.toolkit.fluxcd.io/v2/HelmRelease",
      "kustomize.config.k8s.io/v1beta1/Kustomization",
      "kustomize.toolkit.fluxcd.io/v1/Kustomization",
      "source.toolkit.fluxcd.io/v1/HelmRepository",
      "v1/Namespace",
      "v1/Secret",
    ]);
  });

  it("covers the Flux scaffold: infrastructure and apps with SOPS decryption, the folders' lists and the canaries", () => {
    const scaffold = manifests.filter((m) => m.source.startsWith("sealed-secrets:")).map((m) => m.source.slice("sealed-secrets:".length));
    expect(scaffold).toEqual(
      expect.arrayContaining([
        "clusters/homelab/kustomization.yaml",
        "clusters/homelab/flux-system/kustomization.yaml",
        "clusters/homelab/infrastructure.yaml",
        "clusters/homelab/apps.yaml",
        "clusters/homelab/infrastructure/kustomization.yaml",
        "clusters/homelab/apps/kustomization.yaml",
        "clusters/homelab/infrastructure/sops-canary-infrastructure.sops.yaml",
        "clusters/homelab/apps/sops-canary-apps.sops.yaml",
      ]),
    );
    const apps = parse(manifests.find((m) => m.source.endsWith(":clusters/homelab/apps.yaml"))!.text) as { spec: Record<string, unknown> };
    expect(apps.spec.decryption).toEqual({ provider: "sops", secretRef: { name: "sops-age" } });
    expect(apps.spec.dependsOn).toEqual([{ name: "infrastructure" }]);
  });

  it.each<Decoder>(["flux", "eso"])("every manifest decodes strictly (%s types)", (decoder) => {
    const mine = manifests.filter((m) => decoderFor(m.apiVersion) === decoder);
    const { code, lines } = decode(decoder, mine.map((m) => m.text));
    expect(lines.filter((l) => !l.startsWith("ok ")), mine.map((m) => m.source).join(", ")).toEqual([]);
    expect(code).toBe(0);
    expect(lines).toHaveLength(mine.length);
  });

  /** A copy of the first rendered manifest of `kind` (or `apiVersion/kind`) with `mutate` applied. */
  function mutated(kind: string, mutate: (doc: Record<string, unknown>) => void): Manifest {
    const manifest = manifests.find((m) => m.kind === kind || `${m.apiVersion}/${m.kind}` === kind)!;
    const doc = parse(manifest.text) as Record<string, unknown>;
    mutate(doc);
    return { ...manifest, text: stringify(doc) };
  }
  const spec = (doc: Record<string, unknown>): Record<string, unknown> => doc.spec as Record<string, unknown>;

  const refused: Array<[string, Manifest | (() => Manifest), RegExp]> = [
    ["an unknown HelmRelease field", () => mutated("HelmRelease", (d) => (spec(d).chartt = {})), /unknown field "spec\.chartt"/],
    ["a wrong-case Flux Kustomization field", () => mutated("kustomize.toolkit.fluxcd.io/v1/Kustomization", (d) => (spec(d).Interval = "1m")), /unknown field "spec\.Interval"/],
    ["a wrong-case decryption field", () => mutated("kustomize.toolkit.fluxcd.io/v1/Kustomization", (d) => (spec(d).decryption = { provider: "sops", secretref: { name: "sops-age" } })), /unknown field "spec\.decryption\.secretref"/],
    ["an unknown FluxInstance field", () => mutated("FluxInstance", (d) => (spec(d).distro = {})), /unknown field "spec\.distro"/],
    ["an unknown Secret field", () => mutated("Secret", (d) => (d.stringdata = {})), /unknown field "stringdata"/],
    ["an unknown ClusterSecretStore field", () => mutated("ClusterSecretStore", (d) => ((spec(d).provider as Record<string, Record<string, unknown>>).vault!.token = "x")), /unknown field "spec\.provider\.vault\.token"/],
    ["an unknown ExternalSecret field", () => mutated("ExternalSecret", (d) => (spec(d).refresh = "1h")), /unknown field "spec\.refresh"/],
  ];
  it.each(refused)("refuses %s", (_name, make, expected) => {
    const manifest = typeof make === "function" ? make() : make;
    const { code, lines } = decode(decoderFor(manifest.apiVersion), [manifest.text]);
    expect(code).toBe(1);
    expect(lines.join("\n")).toMatch(expected);
  });

  it("refuses a duplicate field and a kind it has no type for", () => {
    const duplicate = decode("flux", ["apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n"]);
    expect(duplicate.code).toBe(1);
    expect(duplicate.lines.join("\n")).toMatch(/duplicate|already set/i);
    const unknown = decode("eso", ["apiVersion: external-secrets.io/v1\nkind: PushSecret\nmetadata:\n  name: a\n"]);
    expect(unknown.code).toBe(1);
    expect(unknown.lines.join("\n")).toMatch(/no Go type registered for external-secrets\.io\/v1 PushSecret/);
  });
});
