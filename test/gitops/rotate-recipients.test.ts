/** The recipient edit of a rotation in .sops.yaml: only `age` fields change; other rules and comments stay. */
import { describe, expect, it } from "vitest";
import { changeRecipients, editSopsConfigRecipients, type RecipientChange } from "../../gitops/rotate-recipients";
import { creationRuleFor, parseSopsConfig } from "../../sops";

const [A, B, C, OLD, NEW, OTHER] = ["age1aaa", "age1bbb", "age1ccc", "age1old", "age1new", "age1other"];
const change: RecipientChange = { cluster: { from: OLD, to: NEW }, operators: { from: [A, B], to: [A, C] } };

describe("changeRecipients", () => {
  it("swaps the cluster recipient in place, replaces the operator set where an old operator was, keeps the rest", () => {
    expect(changeRecipients([A, B, OLD], change)).toEqual([A, C, NEW]);
    expect(changeRecipients([OTHER, B, OLD], change)).toEqual([OTHER, A, C, NEW]);
    expect(changeRecipients([OTHER], change)).toEqual([OTHER]);
    expect(changeRecipients([OLD], change)).toEqual([NEW]);
    expect(changeRecipients([A, C, NEW], change)).toEqual([A, C, NEW]);
  });
});

describe("editSopsConfigRecipients", () => {
  const text =
    "# my rules: keep this comment\n" +
    "creation_rules:\n" +
    "  # BEGIN talos-homelab cluster other\n" +
    "  # Managed by talos-homelab (render and pulumi up rewrite this block); put your own rules outside it.\n" +
    "  - path_regex: ^clusters/other/\n" +
    `    age: '${OTHER}'\n` +
    "  # END talos-homelab cluster other\n" +
    "  # the team's own rule\n" +
    "  - path_regex: ^apps/team/\n" +
    `    age: ${OTHER}\n` +
    "  - path_regex: ^clusters/lab/.*\\.sops\\.ya?ml$\n" +
    "    encrypted_regex: ^(data|stringData)$\n" +
    `    age: ${A},${B},${OLD}\n` +
    "  - path_regex: ^talos/lab/\n" +
    "    age:\n" +
    `      - ${A}\n` +
    `      - ${B}\n` +
    "  - path_regex: ^shamir/\n" +
    "    key_groups:\n" +
    `      - age: [${OLD}]\n` +
    `      - age: [${B}]\n`;

  it("changes the age fields (string, list and key groups) and keeps everything else, comments included", () => {
    const edited = editSopsConfigRecipients(text, change);
    expect(edited.rulesChanged).toBe(3);
    // every line without a changed recipient list is kept byte for byte
    const kept = (t: string) => t.split("\n").filter((l) => !/age1(aaa|bbb|old)/.test(l));
    expect(kept(edited.text).filter((l) => !/age1(ccc|new)/.test(l))).toEqual(kept(text));
    expect(edited.text).toContain(`    age: ${A},${C},${NEW}\n`);
    expect(edited.text).toContain(`    age:\n      - ${A}\n      - ${C}\n  - path_regex: ^shamir/`);
    expect(edited.text).toContain(`      - age: [${NEW}]\n      - age: [${A}, ${C}]\n`);
    const config = parseSopsConfig("/repo/.sops.yaml", edited.text);
    expect(creationRuleFor(config, "/repo/clusters/lab/x.sops.yaml")?.keyGroups).toEqual([[A, C, NEW]]);
    expect(creationRuleFor(config, "/repo/clusters/lab/x.sops.yaml")?.rules).toEqual({ encryptedRegex: "^(data|stringData)$" });
    expect(creationRuleFor(config, "/repo/talos/lab/x.sops.yaml")?.keyGroups).toEqual([[A, C]]);
    expect(creationRuleFor(config, "/repo/shamir/x.sops.yaml")?.keyGroups).toEqual([[NEW], [A, C]]);
    expect(creationRuleFor(config, "/repo/apps/team/x.sops.yaml")?.keyGroups).toEqual([[OTHER]]);
  });

  it("returns the text untouched when nothing changes", () => {
    expect(editSopsConfigRecipients(text, {})).toEqual({ text, rulesChanged: 0 });
    expect(editSopsConfigRecipients(text, { cluster: { from: "age1absent", to: NEW } })).toEqual({ text, rulesChanged: 0 });
  });
});
