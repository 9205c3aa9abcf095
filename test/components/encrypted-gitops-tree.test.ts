import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { EncryptedGitopsTree } from "../../components/encrypted-gitops-tree";
import * as pulumi from "@pulumi/pulumi";
import { registerUnderMocks } from "./mock-registration";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Artefact } from "../../gitops/artefact";
import { encryptedGitopsTreeInputs } from "../../components/dynamic/encrypted-gitops-tree-inputs";
import {
  type EncryptedGitopsTreeOutputs,
  createEncryptedGitopsTree,
  diffEncryptedGitopsTree,
  updateEncryptedGitopsTree,
} from "../../components/dynamic/encrypted-gitops-tree-logic";
import { encryptedGitopsTreeProvider } from "../../components/dynamic/encrypted-gitops-tree-provider";
import { moduleBackedProvider } from "../../components/dynamic/serializable-provider";
import { decryptText, generateAgeIdentity } from "../../sops";

const repo = resolve(__dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "encrypted-gitops-tree-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SECRETS = "talos/lab/secrets.sops.yaml";
const NODE = "talos/lab/cp-1.sops.yaml";
const SOPS_AGE = "clusters/lab/flux-system/sops-age.sops.yaml";
const FLUX_INSTANCE = "clusters/lab/flux-system/flux-instance.yaml";
const SOPS_CONFIG = ".sops.yaml";

let cluster: { identity: string; recipient: string };
let operator: { identity: string; recipient: string };
beforeAll(async () => {
  cluster = await generateAgeIdentity();
  operator = await generateAgeIdentity();
});

function artefacts(overrides: Partial<Record<string, string>> = {}): Artefact[] {
  return [
    {
      path: SECRETS,
      description: "machine secrets",
      format: "yaml",
      encryption: {},
      content: overrides[SECRETS] ?? "cluster:\n  id: cluster-id-value\n  secret: cluster-secret-value\ntrustdinfo:\n  token: trustd-token-value\n",
    },
    { path: NODE, description: "machine config cp-1", format: "yaml", encryption: {}, content: overrides[NODE] ?? "machine:\n  token: machine-token-value\n" },
    {
      path: SOPS_AGE,
      description: "sops-age Secret",
      format: "yaml",
      encryption: { encryptedRegex: "^(data|stringData)$" },
      content: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: sops-age\n  namespace: flux-system\nstringData:\n  age.agekey: agekey-value\n",
    },
    { path: FLUX_INSTANCE, description: "FluxInstance", format: "yaml", content: "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\n" },
    { path: SOPS_CONFIG, description: "sops rules", format: "yaml", content: "creation_rules:\n  - path_regex: ^talos/\n" },
  ];
}
const PLAINTEXT_MARKERS = ["cluster-id-value", "cluster-secret-value", "trustd-token-value", "machine-token-value", "agekey-value"];

function inputs(over: { artefacts?: Artefact[]; recipients?: string[]; identities?: string[]; outputDir?: string } = {}) {
  return encryptedGitopsTreeInputs({
    artefacts: over.artefacts ?? artefacts(),
    recipients: over.recipients ?? [cluster.recipient, operator.recipient],
    identities: over.identities ?? [cluster.identity],
    ...(over.outputDir === undefined ? {} : { outputDir: over.outputDir }),
  });
}

function recorder() {
  const lines: string[] = [];
  return { lines, deps: { progress: (line: string) => void lines.push(line) } };
}

const freshDir = () => mkdtempSync(join(work, "tree-"));
const onDisk = (dir: string, path: string) => readFileSync(join(dir, ...path.split("/")), "utf8");
const modeOf = (dir: string, path: string) => statSync(join(dir, ...path.split("/"))).mode & 0o777;
const inodeOf = (dir: string, path: string) => statSync(join(dir, ...path.split("/"))).ino;

describe("EncryptedGitopsTree create", () => {
  it("encrypts the encrypted artefacts, keeps plain ones as is, and each decrypts with either identity", async () => {
    const { outs } = await createEncryptedGitopsTree(inputs(), recorder().deps);
    expect(Object.keys(outs.files).sort()).toEqual([SECRETS, NODE, SOPS_AGE, FLUX_INSTANCE, SOPS_CONFIG].sort());
    expect(outs.files[FLUX_INSTANCE]).toBe(artefacts()[3].content);
    expect(outs.files[SOPS_CONFIG]).toBe(artefacts()[4].content);
    for (const a of artefacts().filter((x) => x.encryption !== undefined)) {
      const file = outs.files[a.path];
      for (const marker of PLAINTEXT_MARKERS) expect(file).not.toContain(marker);
      expect(parse(file)).toHaveProperty("sops.age");
      for (const identity of [cluster.identity, operator.identity]) {
        expect(parse(await decryptText(file, { format: "yaml", identities: [identity], env: {} }))).toEqual(parse(a.content));
      }
    }
    // The Kubernetes Secret keeps its metadata readable (encrypted_regex), the Talos file is encrypted whole.
    expect(parse(outs.files[SOPS_AGE]).metadata.name).toBe("sops-age");
    expect(parse(outs.files[SECRETS]).cluster.id).toMatch(/^ENC\[AES256_GCM,/);
  });

  it("writes the tree as 0600 files equal to `files` when outputDir is set", async () => {
    const dir = freshDir();
    const log = recorder();
    const { outs } = await createEncryptedGitopsTree(inputs({ outputDir: dir }), log.deps);
    for (const [path, content] of Object.entries(outs.files)) {
      expect(onDisk(dir, path)).toBe(content);
      expect(modeOf(dir, path)).toBe(0o600);
    }
    expect(log.lines.some((l) => l.includes(`${SECRETS} (machine secrets): created`))).toBe(true);
    for (const marker of PLAINTEXT_MARKERS) expect(log.lines.join("\n")).not.toContain(marker);
  });

  it("adopts a decryptable tree already on disk byte for byte (e.g. written by render)", async () => {
    const dir = freshDir();
    const first = (await createEncryptedGitopsTree(inputs({ outputDir: dir }), recorder().deps)).outs;
    const inodes = Object.keys(first.files).map((p) => inodeOf(dir, p));
    const second = (await createEncryptedGitopsTree(inputs({ outputDir: dir }), recorder().deps)).outs;
    expect(second.files).toEqual(first.files);
    expect(Object.keys(first.files).map((p) => inodeOf(dir, p))).toEqual(inodes);
  });

  it("refuses to overwrite a file on disk it cannot decrypt, naming it, and leaves it untouched", async () => {
    const dir = freshDir();
    const stranger = await generateAgeIdentity();
    await createEncryptedGitopsTree(inputs({ outputDir: dir, recipients: [stranger.recipient], identities: [stranger.identity] }), recorder().deps);
    const before = onDisk(dir, NODE);
    await expect(createEncryptedGitopsTree(inputs({ outputDir: dir }), recorder().deps)).rejects.toThrow(
      new RegExp(`${SECRETS} exists in .* but cannot be decrypted.*${stranger.recipient}`),
    );
    expect(onDisk(dir, NODE)).toBe(before);
  });

  it("names the artefact when its plaintext cannot be encrypted, without quoting the plaintext", async () => {
    const broken = artefacts({ [NODE]: "machine: [unclosed-secret-value\n" });
    const error = await createEncryptedGitopsTree(inputs({ artefacts: broken }), recorder().deps).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(new RegExp(`cannot encrypt ${NODE} \\(machine config cp-1\\)`));
    expect(error?.message).not.toContain("unclosed-secret-value");
  });
});

describe("EncryptedGitopsTree diff", () => {
  let outs: EncryptedGitopsTreeOutputs;
  beforeAll(async () => {
    outs = (await createEncryptedGitopsTree(inputs(), recorder().deps)).outs;
  });
  const diff = (news: ReturnType<typeof inputs>) => diffEncryptedGitopsTree(outs, news, recorder().deps);

  it("sees no change for the same artefacts and recipients (in any order), whatever the identities", async () => {
    expect((await diff(inputs())).changes).toBe(false);
    expect((await diff(inputs({ recipients: [operator.recipient, cluster.recipient], identities: [operator.identity] }))).changes).toBe(false);
    const renamed = artefacts().map((a) => ({ ...a, description: `${a.description} (renamed)` }));
    expect((await diff(inputs({ artefacts: renamed }))).changes).toBe(false);
  });

  it("asks for an update, never a replacement, when content, rules, the artefact set, recipients or the folder change", async () => {
    const cases = [
      inputs({ artefacts: artefacts({ [NODE]: "machine:\n  token: other\n" }) }),
      inputs({ artefacts: artefacts().map((a) => (a.path === NODE ? { ...a, encryption: { encryptedRegex: "^token$" } } : a)) }),
      inputs({ artefacts: artefacts().map((a) => (a.path === FLUX_INSTANCE ? { ...a, format: "json" as const, content: "{}" } : a)) }),
      inputs({ artefacts: artefacts().filter((a) => a.path !== NODE) }),
      inputs({ artefacts: [...artefacts(), { ...artefacts()[1], path: "talos/lab/cp-2.sops.yaml" }] }),
      inputs({ recipients: [cluster.recipient] }),
      inputs({ outputDir: freshDir() }),
    ];
    for (const news of cases) {
      const result = await diff(news);
      expect(result.changes).toBe(true);
      expect(result.replaces).toEqual([]);
    }
  });
});

describe("EncryptedGitopsTree update", () => {
  it("gives byte-identical files when nothing changed", async () => {
    const { outs } = await createEncryptedGitopsTree(inputs(), recorder().deps);
    const updated = (await updateEncryptedGitopsTree(outs, inputs({ recipients: [operator.recipient, cluster.recipient] }), recorder().deps)).outs;
    expect(updated.files).toEqual(outs.files);
  });

  it("changes only the changed artefact's ciphertext, and in it only the changed value", async () => {
    const { outs } = await createEncryptedGitopsTree(inputs(), recorder().deps);
    const changedSecrets = artefacts()[0].content.replace("trustd-token-value", "trustd-token-rotated");
    const news = inputs({ artefacts: artefacts({ [SECRETS]: changedSecrets }) });
    const updated = (await updateEncryptedGitopsTree(outs, news, recorder().deps)).outs;
    for (const path of [NODE, SOPS_AGE, FLUX_INSTANCE, SOPS_CONFIG]) expect(updated.files[path]).toBe(outs.files[path]);
    expect(updated.files[SECRETS]).not.toBe(outs.files[SECRETS]);
    const before = parse(outs.files[SECRETS]);
    const after = parse(updated.files[SECRETS]);
    expect(after.cluster).toEqual(before.cluster);
    expect(after.trustdinfo.token).not.toBe(before.trustdinfo.token);
    expect(after.sops.age).toEqual(before.sops.age);
    expect(parse(await decryptText(updated.files[SECRETS], { format: "yaml", identities: [cluster.identity], env: {} }))).toEqual(
      parse(changedSecrets),
    );
  });

  it("adds a recipient by re-wrapping: the new identity decrypts, the values keep their ciphertext", async () => {
    const { outs } = await createEncryptedGitopsTree(inputs({ recipients: [cluster.recipient] }), recorder().deps);
    await expect(decryptText(outs.files[NODE], { format: "yaml", identities: [operator.identity], env: {} })).rejects.toThrow();
    const updated = (await updateEncryptedGitopsTree(outs, inputs(), recorder().deps)).outs;
    expect(parse(updated.files[NODE]).machine).toEqual(parse(outs.files[NODE]).machine);
    expect(parse(await decryptText(updated.files[NODE], { format: "yaml", identities: [operator.identity], env: {} }))).toEqual(
      parse(artefacts()[1].content),
    );
  });

  it("keeps an unchanged file it wrote as it is, without decrypting it (talos/ files are not the cluster identity's to read)", async () => {
    const { outs } = await createEncryptedGitopsTree(inputs(), recorder().deps);
    const stranger = await generateAgeIdentity();
    const updated = (await updateEncryptedGitopsTree(outs, inputs({ identities: [stranger.identity] }), recorder().deps)).outs;
    expect(updated.files).toEqual(outs.files);
  });

  it("re-encrypts with a new data key when the state's ciphertext cannot be decrypted, and says so", async () => {
    const { outs } = await createEncryptedGitopsTree(inputs(), recorder().deps);
    const stranger = await generateAgeIdentity();
    const log = recorder();
    const news = inputs({ identities: [stranger.identity], artefacts: artefacts({ [NODE]: "machine:\n  token: machine-token-rotated\n" }) });
    const updated = (await updateEncryptedGitopsTree(outs, news, log.deps)).outs;
    expect(updated.files[NODE]).not.toBe(outs.files[NODE]);
    expect(log.lines.some((l) => l.startsWith(`${NODE}: the previous ciphertext in state cannot be decrypted`))).toBe(true);
  });
});

describe("EncryptedGitopsTree on disk", () => {
  it("rewrites only changed files (same inode otherwise), 0600, equal to `files`", async () => {
    const dir = freshDir();
    const { outs } = await createEncryptedGitopsTree(inputs({ outputDir: dir }), recorder().deps);
    const inodes = Object.fromEntries(Object.keys(outs.files).map((p) => [p, inodeOf(dir, p)]));
    const news = inputs({ outputDir: dir, artefacts: artefacts({ [NODE]: "machine:\n  token: machine-token-rotated\n" }) });
    expect((await diffEncryptedGitopsTree(outs, news, recorder().deps)).changes).toBe(true);
    const log = recorder();
    const updated = (await updateEncryptedGitopsTree(outs, news, log.deps)).outs;
    for (const [path, content] of Object.entries(updated.files)) {
      expect(onDisk(dir, path)).toBe(content);
      expect(modeOf(dir, path)).toBe(0o600);
      if (path === NODE) expect(inodeOf(dir, path)).not.toBe(inodes[path]);
      else expect(inodeOf(dir, path)).toBe(inodes[path]);
    }
    expect(log.lines).toContain(`${dir}: 0 created, 1 updated, 4 unchanged, 0 removed`);
    expect((await diffEncryptedGitopsTree(updated, news, recorder().deps)).changes).toBe(false);
  });

  it("sees a missing file, a changed file and a wrong mode as drift, and the update restores the exact bytes", async () => {
    const dir = freshDir();
    const { outs } = await createEncryptedGitopsTree(inputs({ outputDir: dir }), recorder().deps);
    const news = inputs({ outputDir: dir });
    expect((await diffEncryptedGitopsTree(outs, news, recorder().deps)).changes).toBe(false);

    rmSync(join(dir, ...NODE.split("/")));
    const log = recorder();
    expect((await diffEncryptedGitopsTree(outs, news, log.deps)).changes).toBe(true);
    expect(log.lines[0]).toMatch(new RegExp(`^${NODE} in .* is missing`));
    const restored = (await updateEncryptedGitopsTree(outs, news, recorder().deps)).outs;
    expect(restored.files).toEqual(outs.files);
    expect(onDisk(dir, NODE)).toBe(outs.files[NODE]);

    writeFileSync(join(dir, ...FLUX_INSTANCE.split("/")), "edited by hand\n");
    expect((await diffEncryptedGitopsTree(restored, news, recorder().deps)).changes).toBe(true);
    await updateEncryptedGitopsTree(restored, news, recorder().deps);
    expect(onDisk(dir, FLUX_INSTANCE)).toBe(outs.files[FLUX_INSTANCE]);

    chmodSync(join(dir, ...SECRETS.split("/")), 0o644);
    expect((await diffEncryptedGitopsTree(restored, news, recorder().deps)).changes).toBe(true);
    await updateEncryptedGitopsTree(restored, news, recorder().deps);
    expect(modeOf(dir, SECRETS)).toBe(0o600);
    expect(onDisk(dir, SECRETS)).toBe(outs.files[SECRETS]);
  });

  it("removes the file of a removed artefact (it was ours), logs it, and leaves other files alone", async () => {
    const dir = freshDir();
    const { outs } = await createEncryptedGitopsTree(inputs({ outputDir: dir }), recorder().deps);
    writeFileSync(join(dir, "README.md"), "the user's file\n");
    const log = recorder();
    const news = inputs({ outputDir: dir, artefacts: artefacts().filter((a) => a.path !== NODE) });
    const updated = (await updateEncryptedGitopsTree(outs, news, log.deps)).outs;
    expect(existsSync(join(dir, ...NODE.split("/")))).toBe(false);
    expect(updated.files[NODE]).toBeUndefined();
    expect(readFileSync(join(dir, "README.md"), "utf8")).toBe("the user's file\n");
    expect(log.lines).toContain(`${NODE}: removed (no longer an artefact; this resource wrote it)`);
  });

  it("writes a keepExisting artefact (the tree's .pre-commit-config.yaml) only when absent, and keeps the user's edit", async () => {
    const dir = freshDir();
    const hooks: Artefact = { path: ".pre-commit-config.yaml", description: "pre-commit hook config", format: "binary", content: "repos: []\n", keepExisting: true };
    const withHooks = inputs({ outputDir: dir, artefacts: [...artefacts(), hooks] });
    const { outs } = await createEncryptedGitopsTree(withHooks, recorder().deps);
    expect(onDisk(dir, hooks.path)).toBe("repos: []\n");
    const mine = "repos:\n  - repo: local\n    hooks: []\n";
    writeFileSync(join(dir, hooks.path), mine, { mode: 0o600 });
    const updated = (await updateEncryptedGitopsTree(outs, withHooks, recorder().deps)).outs;
    expect(onDisk(dir, hooks.path)).toBe(mine);
    expect(updated.files[hooks.path]).toBe(mine);
    expect((await diffEncryptedGitopsTree(updated, withHooks, recorder().deps)).changes).toBe(false);
  });

  it("leaves the files in place on delete", async () => {
    const dir = freshDir();
    const { id, outs } = await createEncryptedGitopsTree(inputs({ outputDir: dir }), recorder().deps);
    await encryptedGitopsTreeProvider.delete?.(id, { ...outs });
    for (const [path, content] of Object.entries(outs.files)) expect(onDisk(dir, path)).toBe(content);
  });
});

describe("EncryptedGitopsTree inputs", () => {
  const raw = (over: Record<string, unknown>) => ({ artefacts: artefacts(), recipients: [cluster.recipient], identities: [], ...over });

  it("rejects bad inputs with the field and the fix", () => {
    expect(() => encryptedGitopsTreeInputs(raw({ outputDir: "out" }))).toThrow(/"outputDir" must be an absolute path \(got "out"\)/);
    expect(() => encryptedGitopsTreeInputs(raw({ artefacts: [{ ...artefacts()[0], path: "../x.yaml" }] }))).toThrow(/artefacts\[0\]\.path "\.\.\/x\.yaml"/);
    expect(() => encryptedGitopsTreeInputs(raw({ artefacts: [artefacts()[0], artefacts()[0]] }))).toThrow(`two artefacts have the path ${SECRETS}`);
    expect(() => encryptedGitopsTreeInputs(raw({ recipients: [] }))).toThrow(`"recipients" is empty but ${SECRETS} must be encrypted`);
    expect(() => encryptedGitopsTreeInputs(raw({ artefacts: [{ ...artefacts()[0], format: "toml" }] }))).toThrow(/"format" is "toml"/);
    expect(() => encryptedGitopsTreeInputs(raw({ artefacts: [{ ...artefacts()[0], encryption: undefined }] }))).toThrow(
      `artefact ${SECRETS} is named as a SOPS file but has no "encryption" rules`,
    );
    expect(() => encryptedGitopsTreeInputs(raw({ artefacts: [{ ...artefacts()[0], encryption: { encrypted_regex: "x" } }] }))).toThrow(
      /unknown or malformed encryption rule "encrypted_regex"/,
    );
  });

  // Unknown values in a preview are handled for every provider by moduleBackedProvider (preview-unknowns.test.ts).
  it("validates known inputs in check", async () => {
    await expect(encryptedGitopsTreeProvider.check?.({}, raw({ outputDir: "rel" }))).rejects.toThrow(/absolute path/);
  });
});

describe("EncryptedGitopsTree provider survives Pulumi's function serialization", () => {
  it("creates and writes the tree in a fresh node process", async () => {
    const provider = moduleBackedProvider(join(repo, "components/dynamic/encrypted-gitops-tree-provider"), "encryptedGitopsTreeProvider");
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    expect(serialized.text).not.toMatch(/from "\.\.?\//);
    const providerFile = join(work, "provider.js");
    const resultFile = join(work, "result.json");
    writeFileSync(providerFile, serialized.text);
    const dir = freshDir();
    const props = { artefacts: artefacts(), recipients: [cluster.recipient], identities: [cluster.identity], outputDir: dir };
    const requireFromString = require.resolve("require-from-string", { paths: [require.resolve("@pulumi/pulumi")] });
    const script = `
      const fs = require("fs");
      const provider = require(${JSON.stringify(requireFromString)})(fs.readFileSync(${JSON.stringify(providerFile)}, "utf8")).handler();
      provider.create(JSON.parse(process.env.PROPS)).then(
        (r) => fs.writeFileSync(${JSON.stringify(resultFile)}, JSON.stringify(r)),
        (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(3); });`;
    const run = spawnSync(process.execPath, ["-e", script], {
      cwd: work,
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "", PROPS: JSON.stringify(props) },
    });
    expect(run.status, run.stderr).toBe(0);
    const { outs } = JSON.parse(readFileSync(resultFile, "utf8")) as { outs: EncryptedGitopsTreeOutputs };
    // Without an engine, the provider's progress lines go to stdout: they name files, never their content.
    expect(run.stdout).toContain(`${SECRETS} (machine secrets): created`);
    for (const [path, content] of Object.entries(outs.files)) expect(onDisk(dir, path)).toBe(content);
    expect(parse(await decryptText(outs.files[SECRETS], { format: "yaml", identities: [cluster.identity], env: {} }))).toEqual(
      parse(artefacts()[0].content),
    );
    for (const marker of PLAINTEXT_MARKERS) expect(run.stdout + run.stderr).not.toContain(marker);
  });
});

describe("EncryptedGitopsTree resource", () => {
  it("hands the plaintext artefacts and the identities to the engine only as secrets, and asks for `artefacts` to stay secret", async () => {
    const registered = await registerUnderMocks((opts) => new EncryptedGitopsTree("tree", { artefacts: artefacts(), recipients: [cluster.recipient], identities: [cluster.identity] }, opts));
    const [{ inputs: sent, secretOutputs: asked }] = registered;
    const secretSig = "4dabf18193072939515e22adb298388d";
    expect(sent.artefacts).toHaveProperty(secretSig);
    expect(sent.identities).toHaveProperty(secretSig);
    // Whole-file encryption ({}) survives the SDK's serialization: it must not turn into "plain".
    const sentArtefacts = (sent.artefacts as { value: Artefact[] }).value;
    expect(sentArtefacts.find((a) => a.path === SECRETS)?.encryption).toEqual({});
    expect(sent.recipients).toEqual([cluster.recipient]);
    expect(asked).toEqual(["artefacts"]);
  });
});
