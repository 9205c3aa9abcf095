import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkGitopsTree } from "../../gitops/check";
import { renderGitopsTree } from "../../gitops/render";
import { findPlaintextSecrets } from "../../gitops/secret-patterns";
import { makeSandbox, snapshot, type Sandbox } from "./sandbox";

const NOW = new Date("2025-06-01T12:00:00Z");
const INFRA = "clusters/homelab/infrastructure";

/** The Flux scaffold's files in infrastructure/ (gitops/flux-scaffold.ts): the folder's list changes with the layer. */
const SCAFFOLD_LIST = `${INFRA}/kustomization.yaml`;
const SCAFFOLD_CANARY = `${INFRA}/sops-canary-infrastructure.sops.yaml`;

const ESO_FILES = (engine: string): string[] => [
  `${INFRA}/runtime-secrets.yaml`,
  `${INFRA}/runtime-secrets/controllers/kustomization.yaml`,
  `${INFRA}/runtime-secrets/controllers/namespaces.yaml`,
  `${INFRA}/runtime-secrets/controllers/helm-repositories.yaml`,
  `${INFRA}/runtime-secrets/controllers/${engine}.yaml`,
  `${INFRA}/runtime-secrets/controllers/external-secrets.yaml`,
  `${INFRA}/runtime-secrets/store/kustomization.yaml`,
  `${INFRA}/runtime-secrets/store/cluster-secret-store.yaml`,
  `${INFRA}/runtime-secrets/store/example-external-secret.yaml`,
];
const SEALED_FILES = [
  `${INFRA}/runtime-secrets.yaml`,
  `${INFRA}/runtime-secrets/controllers/kustomization.yaml`,
  `${INFRA}/runtime-secrets/controllers/namespaces.yaml`,
  `${INFRA}/runtime-secrets/controllers/helm-repositories.yaml`,
  `${INFRA}/runtime-secrets/controllers/sealed-secrets.yaml`,
];

let sandbox: Sandbox;

/** Renders the sandbox's stack with `runtimeSecrets.mode` set (none: the key removed) and returns the tree. */
async function renderMode(mode: string | undefined): Promise<Map<string, { bytes: Buffer; mode: number }>> {
  const doc = readFileSync(sandbox.stackFile, "utf8");
  const parsed = parse(doc) as { config: Record<string, unknown> };
  if (mode === undefined) delete parsed.config["talos-homelab:runtimeSecrets"];
  else parsed.config["talos-homelab:runtimeSecrets"] = { mode };
  writeFileSync(sandbox.stackFile, stringify(parsed));
  await renderGitopsTree({ stackFile: sandbox.stackFile, env: sandbox.env, now: NOW });
  return snapshot(sandbox.outDir);
}

function layerFiles(tree: ReadonlyMap<string, unknown>): string[] {
  return [...tree.keys()].filter((p) => p.startsWith(`${INFRA}/`) && p !== SCAFFOLD_LIST && p !== SCAFFOLD_CANARY).sort();
}

function docsOf(path: string): Array<Record<string, unknown>> {
  return parseAllDocuments(readFileSync(join(sandbox.outDir, path), "utf8")).map((d) => d.toJS() as Record<string, unknown>);
}

/** Files that differ (added, removed or changed) between two trees. */
function changed(a: ReadonlyMap<string, { bytes: Buffer }>, b: ReadonlyMap<string, { bytes: Buffer }>): string[] {
  const paths = new Set([...a.keys(), ...b.keys()]);
  return [...paths].filter((p) => !a.get(p)?.bytes.equals(b.get(p)?.bytes ?? Buffer.alloc(0)) || !a.has(p) || !b.has(p)).sort();
}

beforeAll(() => {
  sandbox = makeSandbox();
});
afterAll(() => sandbox.cleanup());

describe("runtime secrets layer in the rendered tree", () => {
  it("renders each mode's files, passes check, and switching modes changes only the layer's files", async () => {
    const none = await renderMode(undefined);
    expect(layerFiles(none)).toEqual([]);
    expect((await checkGitopsTree(sandbox.outDir, { env: sandbox.env })).findings).toEqual([]);

    const openbao = await renderMode("openbao-eso");
    expect(layerFiles(openbao)).toEqual(ESO_FILES("openbao").sort());
    expect(changed(none, openbao)).toEqual([...ESO_FILES("openbao"), SCAFFOLD_LIST].sort());
    expect((await checkGitopsTree(sandbox.outDir, { env: sandbox.env })).findings).toEqual([]);

    const vault = await renderMode("vault-eso");
    expect(layerFiles(vault)).toEqual(ESO_FILES("vault").sort());
    expect(changed(openbao, vault).every((p) => p.startsWith(`${INFRA}/`))).toBe(true);
    expect((await checkGitopsTree(sandbox.outDir, { env: sandbox.env })).findings).toEqual([]);

    const sealed = await renderMode("sealed-secrets");
    expect(layerFiles(sealed)).toEqual(SEALED_FILES.sort());
    expect(changed(vault, sealed).every((p) => p.startsWith(`${INFRA}/`))).toBe(true);
    expect((await checkGitopsTree(sandbox.outDir, { env: sandbox.env })).findings).toEqual([]);

    const back = await renderMode(undefined);
    expect(changed(none, back)).toEqual([]);
  }, 240_000);

  it("writes no secret: every layer file is plain (no sops block) and holds no key material and no Secret object", async () => {
    for (const mode of ["openbao-eso", "sealed-secrets"]) {
      const tree = await renderMode(mode);
      for (const path of layerFiles(tree)) {
        const text = readFileSync(join(sandbox.outDir, path), "utf8");
        expect(text, path).not.toContain("sops:");
        expect(findPlaintextSecrets(text), path).toEqual([]);
        expect(text, path).not.toMatch(/AGE-SECRET-KEY|BEGIN [A-Z ]*PRIVATE KEY|root_token|unseal/i);
        for (const doc of docsOf(path)) expect(doc.kind, path).not.toBe("Secret");
      }
    }
  }, 240_000);

  it("orders the ESO layer: store after controllers, ESO after the engine; HA Raft with TLS and Kubernetes auth", async () => {
    await renderMode("openbao-eso");
    const [controllers, store] = docsOf(`${INFRA}/runtime-secrets.yaml`) as Array<{ metadata: { name: string }; spec: Record<string, unknown> }>;
    expect(controllers!.metadata.name).toBe("runtime-secrets-controllers");
    expect(controllers!.spec.path).toBe(`./${INFRA}/runtime-secrets/controllers`);
    expect(store!.spec.dependsOn).toEqual([{ name: "runtime-secrets-controllers" }]);
    expect(store!.spec.wait).toBe(true);
    expect(docsOf(SCAFFOLD_LIST)).toEqual([
      { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: ["sops-canary-infrastructure.sops.yaml", "runtime-secrets.yaml"] },
    ]);

    const [eso] = docsOf(`${INFRA}/runtime-secrets/controllers/external-secrets.yaml`) as Array<{ spec: { dependsOn: unknown } }>;
    expect(eso!.spec.dependsOn).toEqual([{ name: "openbao", namespace: "openbao" }]);
    const [bao] = docsOf(`${INFRA}/runtime-secrets/controllers/openbao.yaml`) as Array<{ spec: { values: { global: unknown; server: { ha: { replicas: number; raft: { enabled: boolean; config: string } } } } } }>;
    expect(bao!.spec.values.global).toEqual({ tlsDisable: false });
    expect(bao!.spec.values.server.ha.replicas).toBe(3);
    expect(bao!.spec.values.server.ha.raft.enabled).toBe(true);
    expect(bao!.spec.values.server.ha.raft.config.match(/retry_join/g)).toHaveLength(3);
    expect(bao!.spec.values.server.ha.raft.config).toContain('tls_cert_file = "/openbao/userconfig/openbao-server-tls/tls.crt"');

    const [css] = docsOf(`${INFRA}/runtime-secrets/store/cluster-secret-store.yaml`) as Array<{ spec: { provider: { vault: { server: string; auth: unknown } } } }>;
    expect(css!.spec.provider.vault.server).toBe("https://openbao.openbao.svc:8200");
    expect(css!.spec.provider.vault.auth).toEqual({
      kubernetes: { mountPath: "kubernetes", role: "external-secrets", serviceAccountRef: { name: "external-secrets", namespace: "external-secrets" } },
    });
  }, 240_000);
});
