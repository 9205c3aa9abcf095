import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parseDocument, stringify } from "yaml";
import { mergeSopsRulesBlock, SopsConfigFileError, sopsProbePaths } from "../../gitops/sops-config-file";
import { clustersPathRegex, etcdSnapshotsPathRegex, renderSopsRulesBlock, talosPathRegex } from "../../kubernetes";
import { creationRuleFor, loadSopsConfig } from "../../sops";
import { OPERATOR_RECIPIENT, TEST_RECIPIENT } from "../kubernetes/fixtures";

const scratch = mkdtempSync(join(tmpdir(), "talos-homelab-sops-config-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const blockOf = (cluster: string, operators: string[] = [OPERATOR_RECIPIENT]) =>
  renderSopsRulesBlock({ clusterName: cluster, recipients: operators, clusterRecipient: TEST_RECIPIENT });
const probesOf = (cluster: string) => sopsProbePaths(cluster, [`talos/${cluster}/secrets.sops.yaml`, `clusters/${cluster}/flux-system/sops-age.sops.yaml`]);
const merge = (existing: string | null, cluster: string) => mergeSopsRulesBlock(existing, blockOf(cluster), probesOf(cluster));

/** The file with every talos-homelab block (BEGIN to END lines) taken out. */
function withoutBlocks(text: string): string {
  return text.replace(/^[ \t]*# BEGIN talos-homelab cluster (\S+)\n[\s\S]*?^[ \t]*# END talos-homelab cluster \1\n/gm, "");
}

/** The path_regex of the rule the real rule selection (sops/sops-config.ts) picks for `path` in `text`. */
function ruleSelected(text: string, path: string): string | undefined {
  const file = join(scratch, ".sops.yaml");
  writeFileSync(file, text);
  return creationRuleFor(loadSopsConfig(file), join(scratch, path))?.pathRegex;
}

const USER_REGEXES = ["^apps/.*\\.sops\\.yaml$", "^clusters/c0/apps/special/.*", ".*\\.yaml$", "\\.sops\\.ya?ml$", "^talos/c1/secrets\\.sops\\.yaml$", "^infra/"];

interface UserRule {
  comments: string[];
  regex: string | undefined;
  quote: "plain" | "single" | "double";
  encrypted: boolean;
  trailing: boolean;
}

const userRule: fc.Arbitrary<UserRule> = fc.record({
  comments: fc.array(fc.constantFrom("# owner's note", "#   indented  note  ", "# - path_regex: commented-out"), { maxLength: 2 }),
  regex: fc.option(fc.constantFrom(...USER_REGEXES), { nil: undefined, freq: 6 }),
  quote: fc.constantFrom("plain", "single", "double"),
  encrypted: fc.boolean(),
  trailing: fc.boolean(),
});

function quoted(value: string, quote: UserRule["quote"]): string {
  if (quote === "single") return `'${value}'`;
  if (quote === "double") return JSON.stringify(value);
  return value;
}

function ruleText(rule: UserRule, indent: number): string {
  const pad = " ".repeat(indent);
  const lines = rule.comments.map((c) => `${pad}${c}`);
  const fields = [
    ...(rule.regex !== undefined ? [`path_regex: ${quoted(rule.regex, rule.quote)}`] : []),
    ...(rule.encrypted ? ["encrypted_regex: '^(data|stringData)$'"] : []),
    `age: ${OPERATOR_RECIPIENT}${rule.trailing ? "  # the owner's key" : ""}`,
  ];
  fields.forEach((field, i) => lines.push(`${pad}${i === 0 ? "- " : "  "}${field}`));
  return lines.map((l) => `${l}\n`).join("");
}

const userFile = fc
  .record({
    header: fc.constantFrom("", "# the repository's sops rules\n", "---\n"),
    indent: fc.constantFrom(0, 2, 4),
    rules: fc.array(userRule, { minLength: 1, maxLength: 5 }),
    blankBetween: fc.boolean(),
    stores: fc.boolean(),
  })
  .map(({ header, indent, rules, blankBetween, stores }) => {
    const body = rules.map((r) => ruleText(r, indent)).join(blankBetween ? "\n" : "");
    return { text: `${header}creation_rules:\n${body}${stores ? "# stores\nstores:\n  yaml:\n    indent: 4\n" : ""}`, count: rules.length };
  });

describe(".sops.yaml as a shared file", () => {
  it("property: after any sequence of clusters' renders, every byte outside the blocks is the owner's, each cluster's files get its own rule first, and a re-render changes nothing", () => {
    fc.assert(
      fc.property(userFile, fc.array(fc.constantFrom("c0", "c1", "c2"), { minLength: 1, maxLength: 5 }), (file, renders) => {
        let text = file.text;
        for (const cluster of renders) text = merge(text, cluster).text;
        expect(withoutBlocks(text)).toBe(file.text);
        const clusters = [...new Set(renders)];
        const doc = parseDocument(text);
        expect(doc.errors).toEqual([]);
        expect((doc.toJS() as { creation_rules: unknown[] }).creation_rules).toHaveLength(file.count + 3 * clusters.length);
        for (const cluster of clusters) {
          expect(merge(text, cluster).text).toBe(text);
          expect(ruleSelected(text, `talos/${cluster}/secrets.sops.yaml`)).toBe(talosPathRegex(cluster));
          expect(ruleSelected(text, `talos/${cluster}/etcd-snapshots/${cluster}-etcd-20261206T235217Z.snapshot.sops`)).toBe(etcdSnapshotsPathRegex(cluster));
          expect(ruleSelected(text, `clusters/${cluster}/flux-system/sops-age.sops.yaml`)).toBe(clustersPathRegex(cluster));
        }
      }),
      { numRuns: 100 },
    );
  });

  it("two clusters keep both blocks and a hand-written rule with its comments, byte for byte", () => {
    const owner = `# Rules of the homelab repository.\ncreation_rules:\n  # apps of the team, with its own key\n  - path_regex: ^apps/.*\\.sops\\.yaml$\n    age: ${OPERATOR_RECIPIENT}  # team key\n`;
    const first = merge(owner, "alpha").text;
    const both = merge(first, "beta").text;
    expect(both.startsWith(owner)).toBe(true);
    expect(both).toContain("# BEGIN talos-homelab cluster alpha\n");
    expect(both).toContain("# END talos-homelab cluster beta\n");
    expect(withoutBlocks(both)).toBe(owner);
    // a changed recipient list of alpha replaces alpha's block only, in place
    const rotated = mergeSopsRulesBlock(both, blockOf("alpha", [TEST_RECIPIENT]), probesOf("alpha")).text;
    expect(withoutBlocks(rotated)).toBe(owner);
    expect(rotated.indexOf("cluster alpha")).toBe(both.indexOf("cluster alpha"));
    expect(rotated.slice(rotated.indexOf("# BEGIN talos-homelab cluster beta"))).toBe(both.slice(both.indexOf("# BEGIN talos-homelab cluster beta")));
  });

  it("places the block above an owner's rule that would shadow it (first match wins in sops), says so, and keeps a more specific rule above it", () => {
    const owner = `creation_rules:\n  - path_regex: ^clusters/homelab/apps/special/\n    age: ${OPERATOR_RECIPIENT}\n  # everything else\n  - age: ${OPERATOR_RECIPIENT}\n`;
    const { text, notes } = merge(owner, "homelab");
    expect(text.indexOf("apps/special")).toBeLessThan(text.indexOf("# BEGIN talos-homelab cluster homelab"));
    expect(text.indexOf("# END talos-homelab cluster homelab\n  # everything else\n  - age:")).toBeGreaterThan(0);
    expect(notes.join("\n")).toMatch(/placed above the rule on line 5, which has no path_regex/);
    expect(ruleSelected(text, "clusters/homelab/apps/special/x.sops.yaml")).toBe("^clusters/homelab/apps/special/");
    expect(ruleSelected(text, "clusters/homelab/flux-system/sops-age.sops.yaml")).toBe(clustersPathRegex("homelab"));
    // an owner who later adds a broad rule on top gets the block moved above it on the next render, nothing else moves
    const later = text.replace("creation_rules:\n", `creation_rules:\n  - path_regex: .*\n    age: ${OPERATOR_RECIPIENT}\n`);
    const moved = merge(later, "homelab");
    expect(withoutBlocks(moved.text)).toBe(withoutBlocks(later));
    expect(moved.text.indexOf("# BEGIN")).toBeLessThan(moved.text.indexOf("path_regex: .*"));
    expect(moved.notes).toHaveLength(1);
  });

  it("writes a new file, adds creation_rules to a file without them, and follows the file's indentation", () => {
    expect(merge(null, "homelab").text).toBe(`creation_rules:\n${blockOf("homelab")}`);
    expect(merge("", "homelab").text).toBe(`creation_rules:\n${blockOf("homelab")}`);
    expect(merge("# only a comment\n", "homelab").text).toBe(`# only a comment\ncreation_rules:\n${blockOf("homelab")}`);
    expect(merge("stores:\n  yaml:\n    indent: 2", "homelab").text).toBe(`stores:\n  yaml:\n    indent: 2\ncreation_rules:\n${blockOf("homelab")}`);
    const flush = `creation_rules:\n- path_regex: ^apps/\n  age: ${OPERATOR_RECIPIENT}\n`;
    const merged = merge(flush, "homelab").text;
    expect(merged).toContain("\n# BEGIN talos-homelab cluster homelab\n# Managed by talos-homelab");
    expect(merged).toContain("\n- path_regex: ^clusters/homelab/");
    expect(parseDocument(merged).errors).toEqual([]);
  });

  it("turns the rules of a file an earlier version regenerated whole into that cluster's block", () => {
    const legacy = `# Written by talos-homelab; regenerated on every render.\n${stringify(
      { creation_rules: [{ path_regex: clustersPathRegex("old"), encrypted_regex: "^(data|stringData)$", age: TEST_RECIPIENT }, { path_regex: talosPathRegex("old"), age: TEST_RECIPIENT }] },
      { lineWidth: 0 },
    )}`;
    const { text, notes } = merge(legacy, "homelab");
    expect(text).not.toContain("regenerated on every render");
    expect(text).toContain("# BEGIN talos-homelab cluster old\n");
    expect(text).toContain("# BEGIN talos-homelab cluster homelab\n");
    expect(notes.join()).toMatch(/cluster old are now its marked block/);
    expect(ruleSelected(text, "talos/old/secrets.sops.yaml")).toBe(talosPathRegex("old"));
  });

  it("refuses, naming the problem, what it cannot splice without touching the owner's text", () => {
    const refusal = (text: string) => {
      try {
        merge(text, "homelab");
      } catch (e) {
        expect(e).toBeInstanceOf(SopsConfigFileError);
        return (e as Error).message;
      }
      throw new Error("no refusal");
    };
    expect(refusal(`creation_rules: [{path_regex: ^apps/, age: ${OPERATOR_RECIPIENT}}]\n`)).toMatch(/flow style.*block list.*nothing was written/);
    expect(refusal("creation_rules:\n  # BEGIN talos-homelab cluster homelab\n  - age: x\n")).toMatch(/line 2 without its END line/);
    expect(refusal("creation_rules:\n  - age: x\n  # END talos-homelab cluster homelab\n")).toMatch(/without its BEGIN line/);
    expect(refusal("creation_rules:\n  - path_regex: a\n   bad: [\n")).toMatch(/is not valid YAML/);
    expect(refusal("- just a list\n")).toMatch(/not a YAML mapping/);
  });
});
