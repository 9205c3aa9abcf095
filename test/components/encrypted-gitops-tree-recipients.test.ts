/** EncryptedGitopsTree (`pulumi up`'s tree): recipients by need per artefact and the shared `.sops.yaml` block. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEncryptedGitopsTree, diffEncryptedGitopsTree, updateEncryptedGitopsTree } from "../../components/dynamic/encrypted-gitops-tree-logic";
import { encryptedGitopsTreeInputs } from "../../components/dynamic/encrypted-gitops-tree-inputs";
import type { Artefact } from "../../gitops/artefact";
import { mergeSopsRulesBlock, sopsProbePaths } from "../../gitops/sops-config-file";
import { recipientsFor, renderSopsRulesBlock, type TreeRecipients } from "../../kubernetes";
import { decryptText, readRecipients } from "../../sops";
import { generateAgeIdentity } from "../../sops/age-identities";

const work = mkdtempSync(join(tmpdir(), "tree-recipients-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SECRETS = "talos/lab/secrets.sops.yaml";
const SOPS_AGE = "clusters/lab/flux-system/sops-age.sops.yaml";
let cluster: { identity: string; recipient: string };
let operator: { identity: string; recipient: string };
let tree: TreeRecipients;
beforeAll(async () => {
  cluster = await generateAgeIdentity();
  operator = await generateAgeIdentity();
  tree = { operators: [operator.recipient], cluster: cluster.recipient };
});

function artefacts(secret = "cluster:\n  secret: cluster-secret-value\n"): Artefact[] {
  const probes = sopsProbePaths("lab", [SECRETS, SOPS_AGE]);
  return [
    { path: ".sops.yaml", description: "sops rules", format: "yaml", content: renderSopsRulesBlock({ clusterName: "lab", recipients: tree.operators, clusterRecipient: tree.cluster }), sopsRulesBlock: { probes } },
    { path: SECRETS, description: "machine secrets", format: "yaml", encryption: {}, recipients: recipientsFor("operators", tree), content: secret },
    {
      path: SOPS_AGE,
      description: "sops-age Secret",
      format: "yaml",
      encryption: { encryptedRegex: "^(data|stringData)$" },
      recipients: recipientsFor("operators-and-cluster", tree),
      content: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: sops-age\nstringData:\n  age.agekey: agekey-value\n",
    },
  ];
}

const inputs = (outputDir: string, list = artefacts(), identities = [cluster.identity]) =>
  encryptedGitopsTreeInputs({ artefacts: list, recipients: [operator.recipient, cluster.recipient], identities, outputDir });
const deps = (lines: string[] = []) => ({ progress: (line: string) => void lines.push(line) });

describe("EncryptedGitopsTree: recipients by need", () => {
  it("encrypts talos/ to the operators only and clusters/ also to the cluster identity", async () => {
    const dir = mkdtempSync(join(work, "t-"));
    const { outs } = await createEncryptedGitopsTree(inputs(dir), deps());
    expect(readRecipients(outs.files[SECRETS] as string, "yaml")).toEqual([operator.recipient]);
    expect(readRecipients(outs.files[SOPS_AGE] as string, "yaml").sort()).toEqual([operator.recipient, cluster.recipient].sort());
    await expect(decryptText(outs.files[SECRETS] as string, { format: "yaml", identities: [cluster.identity], env: {} })).rejects.toThrow();
    expect(await decryptText(outs.files[SOPS_AGE] as string, { format: "yaml", identities: [cluster.identity], env: {} })).toContain("agekey-value");
  });

  it("changes a talos/ file it cannot decrypt with the cluster identity when its content changes, but only the file it wrote", async () => {
    const dir = mkdtempSync(join(work, "t-"));
    const { outs } = await createEncryptedGitopsTree(inputs(dir), deps());
    const lines: string[] = [];
    const updated = (await updateEncryptedGitopsTree(outs, inputs(dir, artefacts("cluster:\n  secret: rotated\n")), deps(lines))).outs;
    expect(await decryptText(updated.files[SECRETS] as string, { format: "yaml", identities: [operator.identity], env: {} })).toContain("rotated");
    expect(lines.join("\n")).toMatch(/talos\/lab\/secrets\.sops\.yaml: the previous ciphertext in state cannot be decrypted/);
    // with the operator's identity at hand (sops's sources where `pulumi up` runs), the data key is kept
    const withLocal = (await updateEncryptedGitopsTree(updated, inputs(dir, artefacts("cluster:\n  secret: again\n")), { ...deps(), localIdentities: async () => [operator.identity] })).outs;
    const dataKeyOf = (text: string) => /enc: \|\n([\s\S]*?)-----END AGE ENCRYPTED FILE-----/.exec(text)?.[1];
    expect(dataKeyOf(withLocal.files[SECRETS] as string)).toBe(dataKeyOf(updated.files[SECRETS] as string));
  });
});

describe("EncryptedGitopsTree: the shared .sops.yaml", () => {
  it("splices its block into the file on disk, keeps the owner's rules, and another cluster's block is not drift", async () => {
    const dir = mkdtempSync(join(work, "t-"));
    const owner = `# owner's rules\ncreation_rules:\n  - path_regex: ^apps/\n    age: ${operator.recipient} # team\n`;
    writeFileSync(join(dir, ".sops.yaml"), owner);
    const { outs } = await createEncryptedGitopsTree(inputs(dir), deps());
    const written = readFileSync(join(dir, ".sops.yaml"), "utf8");
    expect(written.startsWith(owner)).toBe(true);
    expect(outs.files[".sops.yaml"]).toBe(written);
    // another stack renders its cluster into the same repository
    const other = renderSopsRulesBlock({ clusterName: "other", recipients: [operator.recipient], clusterRecipient: cluster.recipient });
    const withOther = mergeSopsRulesBlock(written, other, sopsProbePaths("other", [])).text;
    writeFileSync(join(dir, ".sops.yaml"), withOther);
    expect((await diffEncryptedGitopsTree(outs, inputs(dir), deps())).changes).toBe(false);
    // a change of this cluster's own rules (a second operator) is an update that keeps both blocks and the owner's rules
    const second = await generateAgeIdentity();
    const before = tree;
    tree = { operators: [operator.recipient, second.recipient], cluster: cluster.recipient };
    const news = inputs(dir, artefacts());
    tree = before;
    expect((await diffEncryptedGitopsTree(outs, news, deps())).changes).toBe(true);
    await updateEncryptedGitopsTree(outs, news, { ...deps(), localIdentities: async () => [operator.identity] });
    const after = readFileSync(join(dir, ".sops.yaml"), "utf8");
    expect(after.startsWith(owner)).toBe(true);
    expect(after).toContain("# BEGIN talos-homelab cluster other\n");
    expect(after).toContain(second.recipient);
  });
});
