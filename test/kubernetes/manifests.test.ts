import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  decryptionPatch,
  fluxInstance,
  fluxInstanceSchema,
  fluxNamespace,
  FLUX_DISTRIBUTION_VERSION,
  gitCredentialsSecret,
  manifestYaml,
  namespaceSchema,
  secretSchema,
  sopsAgeSecret,
  validateManifest,
  type FluxInstance,
  type Manifest,
} from "../../kubernetes";
import { TEST_IDENTITY, TEST_IDENTITY_FILE, TEST_KNOWN_HOSTS, TEST_SSH_KEY } from "./fixtures";

const repository = { url: "https://git.example.net/me/gitops.git", branch: "main", path: "clusters/homelab" };
const decode = (b64: string | undefined) => Buffer.from(b64 ?? "", "base64").toString("utf8");
const clone = <T>(value: T): T => structuredClone(value);

describe("flux-system Namespace", () => {
  it("is a valid Namespace named flux-system", () => {
    const ns = namespaceSchema.parse(fluxNamespace());
    expect(ns.metadata.name).toBe("flux-system");
  });
  it("rejects a namespace on a cluster-scoped object", () => {
    const ns = clone(fluxNamespace()) as unknown as { metadata: Record<string, string> };
    ns.metadata.namespace = "default";
    expect(namespaceSchema.safeParse(ns).success).toBe(false);
  });
});

describe("sops-age Secret", () => {
  const secret = sopsAgeSecret(TEST_IDENTITY_FILE);

  it("is valid and lives in flux-system", () => {
    expect(secretSchema.parse(secret).metadata).toMatchObject({ name: "sops-age", namespace: "flux-system" });
  });

  it("has exactly one data entry, whose name ends in .agekey (kustomize-controller ignores others)", () => {
    const keys = Object.keys(secret.data ?? {});
    expect(keys).toEqual(["age.agekey"]);
    expect(keys[0]).toMatch(/\.agekey$/);
    expect(secret.stringData).toBeUndefined();
  });

  it("holds the identity alone, as an identity file", () => {
    expect(decode(secret.data?.["age.agekey"])).toBe(`${TEST_IDENTITY}\n`);
  });

  it("refuses a malformed identity without putting it in the message", () => {
    expect(() => sopsAgeSecret("AGE-SECRET-KEY-1 but broken\nsecond line")).toThrow(/clusterAgeIdentity: holds 2 non-comment lines/);
  });
});

describe("Git credentials Secret", () => {
  it("HTTPS: username and password", () => {
    const secret = secretSchema.parse(gitCredentialsSecret({ transport: "https", username: "git", password: "tok3n" }));
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(["password", "username"]);
    expect(decode(secret.data?.password)).toBe("tok3n");
    expect(decode(secret.data?.username)).toBe("git");
    expect(secret.metadata).toMatchObject({ name: "flux-system", namespace: "flux-system" });
  });

  it("SSH: identity (newline-terminated) and known_hosts", () => {
    const secret = secretSchema.parse(gitCredentialsSecret({ transport: "ssh", identity: TEST_SSH_KEY, knownHosts: TEST_KNOWN_HOSTS }));
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(["identity", "known_hosts"]);
    expect(decode(secret.data?.identity)).toBe(`${TEST_SSH_KEY}\n`);
    expect(decode(secret.data?.known_hosts)).toBe(TEST_KNOWN_HOSTS);
  });

  it("explains missing or wrong pieces without echoing secrets", () => {
    expect(() => gitCredentialsSecret({ transport: "https", username: "git", password: " " })).toThrow(/the Git token is empty\. Fix: set TALOS_HOMELAB_GIT_TOKEN/);
    expect(() => gitCredentialsSecret({ transport: "ssh", identity: TEST_SSH_KEY, knownHosts: "" })).toThrow(/flux\.knownHosts is empty\. Fix: .*ssh-keyscan/);
    const pub = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIsecretish me@host";
    expect(() => gitCredentialsSecret({ transport: "ssh", identity: pub, knownHosts: TEST_KNOWN_HOSTS })).toThrow(/not a PEM\/OpenSSH private key/);
    try {
      gitCredentialsSecret({ transport: "ssh", identity: pub, knownHosts: TEST_KNOWN_HOSTS });
    } catch (err) {
      expect((err as Error).message).not.toContain("AAAAC3NzaC1lZDI1NTE5AAAAIsecretish");
    }
  });
});

describe("FluxInstance", () => {
  const instance = fluxInstance({ repository, hasGitCredentials: true });

  it("is valid against the Flux Operator v1 shape", () => {
    expect(fluxInstanceSchema.parse(instance)).toEqual(instance);
    expect(instance.metadata).toMatchObject({ name: "flux", namespace: "flux-system" });
    expect(instance.spec.distribution.version).toBe(FLUX_DISTRIBUTION_VERSION);
  });

  it("syncs the configured repository, branch as a full ref, and path, with the pull secret", () => {
    expect(instance.spec.sync).toEqual({
      kind: "GitRepository",
      url: repository.url,
      ref: "refs/heads/main",
      path: "clusters/homelab",
      pullSecret: "flux-system",
    });
    expect(fluxInstance({ repository: { ...repository, branch: "refs/tags/v1" }, hasGitCredentials: true }).spec.sync?.ref).toBe("refs/tags/v1");
  });

  it("has no pullSecret for a public repository", () => {
    expect(fluxInstance({ repository, hasGitCredentials: false }).spec.sync).not.toHaveProperty("pullSecret");
  });

  it("installs kustomize-controller (the SOPS decryptor) and source-controller", () => {
    expect(instance.spec.components).toEqual(expect.arrayContaining(["source-controller", "kustomize-controller"]));
  });

  it("patches the generated flux-system Kustomization with SOPS decryption from sops-age", () => {
    const patches = instance.spec.kustomize?.patches ?? [];
    expect(patches).toHaveLength(1);
    expect(patches[0]).toEqual(decryptionPatch());
    expect(patches[0].target).toEqual({ group: "kustomize.toolkit.fluxcd.io", kind: "Kustomization", name: "flux-system" });
    expect(parse(patches[0].patch)).toEqual([
      { op: "add", path: "/spec/decryption", value: { provider: "sops", secretRef: { name: "sops-age" } } },
    ]);
  });
});

describe("misspelled or misplaced fields fail", () => {
  const cases: Array<[string, () => Manifest]> = [
    ["spec.sync.pullSecrets", () => { const m: FluxInstance = clone(fluxInstance({ repository, hasGitCredentials: true })); Object.assign(m.spec.sync ?? {}, { pullSecrets: "x" }); return m; }],
    ["spec.distribtion", () => { const m = clone(fluxInstance({ repository, hasGitCredentials: false })); Object.assign(m.spec, { distribtion: m.spec.distribution }); return m; }],
    ["a namespace in a patch target", () => { const m = clone(fluxInstance({ repository, hasGitCredentials: false })); Object.assign(m.spec.kustomize?.patches?.[0].target ?? {}, { namespace: "flux-system" }); return m; }],
    ["an unknown component", () => { const m = clone(fluxInstance({ repository, hasGitCredentials: false })); (m.spec.components as string[]).push("kustomise-controller"); return m; }],
    ["Secret stringdata", () => Object.assign(clone(sopsAgeSecret(TEST_IDENTITY)), { stringdata: { a: "b" } })],
    ["Secret metadata.namspace", () => { const m = clone(sopsAgeSecret(TEST_IDENTITY)); Object.assign(m.metadata, { namspace: "flux-system" }); return m; }],
    ["Secret data that is not base64", () => { const m = clone(sopsAgeSecret(TEST_IDENTITY)); m.data = { "age.agekey": TEST_IDENTITY + "!" }; return m; }],
    ["Namespace metadata.labes", () => Object.assign(clone(fluxNamespace()), { metadata: { name: "flux-system", labes: {} } })],
  ];

  it.each(cases)("%s", (_label, build) => {
    expect(() => validateManifest(build())).toThrow(/is invalid: /);
  });

  it("names the offending path, never a value", () => {
    const m = clone(sopsAgeSecret(TEST_IDENTITY));
    m.data = { "age.agekey": `${TEST_IDENTITY}!` };
    expect(() => validateManifest(m)).toThrow(/Secret "sops-age" is invalid: data\.age\.agekey: must be base64/);
    try {
      validateManifest(m);
    } catch (err) {
      expect((err as Error).message).not.toContain(TEST_IDENTITY);
    }
  });

  it("the untouched manifests pass, and render as YAML that parses back to themselves", () => {
    for (const m of [fluxNamespace(), sopsAgeSecret(TEST_IDENTITY), fluxInstance({ repository, hasGitCredentials: true })] as Manifest[]) {
      expect(parse(manifestYaml(m))).toEqual(m);
    }
  });
});
