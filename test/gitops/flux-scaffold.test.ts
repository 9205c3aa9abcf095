/**
 * The Flux scaffold (gitops/flux-scaffold.ts): the infrastructure/apps Kustomizations with SOPS decryption in the
 * order Flux needs, the folders' kustomization.yaml that keep a person's entries across renders, and the SOPS canary
 * Secrets, decrypted with the cluster identity alone (as kustomize-controller does) to the value `pulumi up` waits for.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fluxScaffoldArtefacts, KustomizeFileError } from "../../gitops/flux-scaffold";
import { renderGitopsTree } from "../../gitops/render";
import { sopsCanaryDigest, sopsCanaryValue } from "../../kubernetes";
import { decryptText } from "../../sops";
import { makeSandbox, type Sandbox } from "./sandbox";

const NOW = new Date("2025-06-01T12:00:00Z");
const C = "clusters/homelab";

const base = { cluster: "homelab", hasGitCredentials: false, runtimeSecrets: false };
const contentOf = (path: string, existing?: Record<string, string>) =>
  fluxScaffoldArtefacts({ ...base, ...(existing !== undefined ? { existingKustomizeFiles: existing } : {}) }).find((a) => a.path === path)!.content;

describe("Flux Kustomizations of the scaffold", () => {
  const kustomization = (name: string) => parse(contentOf(`${C}/${name}.yaml`)) as { metadata: { name: string; namespace: string }; spec: Record<string, unknown> };

  it("decrypts both folders with the sops-age Secret, apps after infrastructure", () => {
    const infrastructure = kustomization("infrastructure");
    const apps = kustomization("apps");
    for (const k of [infrastructure, apps]) {
      expect(k.metadata.namespace).toBe("flux-system");
      expect(k.spec.decryption).toEqual({ provider: "sops", secretRef: { name: "sops-age" } });
      expect(k.spec.sourceRef).toEqual({ kind: "GitRepository", name: "flux-system" });
      expect(k.spec.prune).toBe(true);
    }
    expect(infrastructure.spec.path).toBe(`./${C}/infrastructure`);
    expect(apps.spec.path).toBe(`./${C}/apps`);
    expect(infrastructure.spec.dependsOn).toBeUndefined();
    expect(apps.spec.dependsOn).toEqual([{ name: "infrastructure" }]);
    // apps waits for infrastructure's objects to be ready (its Ready condition), so infrastructure waits for them.
    expect(infrastructure.spec.wait).toBe(true);
  });

  it("keeps the root sync out of the two folders: the root lists flux-system and the Kustomization objects only", () => {
    expect(parse(contentOf(`${C}/kustomization.yaml`))).toEqual({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: ["flux-system", "infrastructure.yaml", "apps.yaml"],
    });
    expect((parse(contentOf(`${C}/flux-system/kustomization.yaml`)) as { resources: string[] }).resources).toEqual(["flux-instance.yaml", "sops-age.sops.yaml"]);
    expect((parse(contentOf(`${C}/apps/kustomization.yaml`)) as { resources: string[] }).resources).toEqual(["sops-canary-apps.sops.yaml"]);
  });

  it("keeps a person's entries and fields, after the project's, and drops project entries no longer rendered", () => {
    const path = `${C}/infrastructure/kustomization.yaml`;
    const theirs = stringify({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      namespace: "infra",
      resources: ["runtime-secrets.yaml", "cert-manager", "sops-canary-infrastructure.sops.yaml", "ingress.yaml"],
    });
    expect(parse(contentOf(path, { [path]: theirs }))).toEqual({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      namespace: "infra",
      resources: ["sops-canary-infrastructure.sops.yaml", "cert-manager", "ingress.yaml"],
    });
  });

  it.each([
    ["invalid YAML", "resources: [a\n", /infrastructure\/kustomization\.yaml: is not valid YAML/],
    ["a list", "- a\n", /is not a YAML mapping/],
    ["resources not paths", "resources:\n  - {a: 1}\n", /"resources" is not a list of paths/],
  ])("refuses an existing kustomization.yaml that is %s, naming the file and the fix", (_name, text, expected) => {
    const path = `${C}/infrastructure/kustomization.yaml`;
    expect(() => contentOf(path, { [path]: text })).toThrow(KustomizeFileError);
    expect(() => contentOf(path, { [path]: text })).toThrow(expected);
    expect(() => contentOf(path, { [path]: text })).toThrow(/delete it and render again/);
  });
});

describe("the scaffold in a rendered tree", () => {
  let sandbox: Sandbox;
  beforeAll(() => {
    sandbox = makeSandbox();
  });
  afterAll(() => sandbox.cleanup());

  const read = (path: string) => readFileSync(join(sandbox.outDir, path), "utf8");
  const identity = () => readFileSync(sandbox.keysFile, "utf8").split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"))!;

  it("writes canaries the cluster identity alone decrypts to the value pulumi up expects, and keeps a person's entries on re-render", async () => {
    await renderGitopsTree({ stackFile: sandbox.stackFile, env: sandbox.env, now: NOW });
    const sopsAge = parse(await decryptText(readFileSync(join(sandbox.outDir, `${C}/flux-system/sops-age.sops.yaml`)), { format: "yaml", identities: [identity()], env: {} })) as {
      data: Record<string, string>;
    };
    const clusterIdentity = Buffer.from(sopsAge.data["age.agekey"]!, "base64").toString("utf8").trim();

    for (const name of ["infrastructure", "apps"] as const) {
      const path = `${C}/${name}/sops-canary-${name}.sops.yaml`;
      expect(read(path)).toContain("sops:");
      const plain = parseAllDocuments(await decryptText(Buffer.from(read(path)), { format: "yaml", identities: [clusterIdentity], env: {} }))[0]!.toJS() as {
        metadata: { name: string; namespace: string };
        data: { canary: string };
      };
      expect(plain.metadata).toMatchObject({ name: `sops-canary-${name}`, namespace: "flux-system" });
      const value = Buffer.from(plain.data.canary, "base64").toString("utf8");
      expect(value).toBe(sopsCanaryValue("homelab", name));
      expect(sopsCanaryDigest(value)).toMatch(/^sha256:[0-9a-f]{64}$/);
    }

    const appsList = `${C}/apps/kustomization.yaml`;
    const edited = parse(read(appsList)) as { resources: string[] };
    edited.resources.push("podinfo");
    writeFileSync(join(sandbox.outDir, appsList), stringify(edited));
    const before = read(`${C}/apps/sops-canary-apps.sops.yaml`);
    await renderGitopsTree({ stackFile: sandbox.stackFile, env: sandbox.env, now: NOW });
    expect((parse(read(appsList)) as { resources: string[] }).resources).toEqual(["sops-canary-apps.sops.yaml", "podinfo"]);
    expect(read(`${C}/apps/sops-canary-apps.sops.yaml`)).toBe(before);
  }, 240_000);
});
