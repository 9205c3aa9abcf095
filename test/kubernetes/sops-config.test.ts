import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KUBERNETES_ENCRYPTED_REGEX, renderSopsConfig, renderSopsRulesBlock, sopsConfig, type SopsConfig } from "../../kubernetes";
import { OPERATOR_RECIPIENT, TEST_IDENTITY, TEST_RECIPIENT } from "./fixtures";

const options = { clusterName: "homelab", recipients: [OPERATOR_RECIPIENT], clusterRecipient: TEST_RECIPIENT };

/** sops picks the first rule whose path_regex matches the path relative to the config file's folder (unanchored). */
function ruleFor(config: SopsConfig, path: string): number {
  return config.creation_rules.findIndex((rule) => new RegExp(rule.path_regex).test(path));
}

describe(".sops.yaml", () => {
  const rendered = parse(renderSopsConfig(options)) as SopsConfig;

  it("renders the rules as YAML sops can read", () => {
    expect(rendered).toEqual(sopsConfig(options));
    expect(Object.keys(rendered)).toEqual(["creation_rules"]);
  });

  it("encrypts only data/stringData in clusters/<name>/ manifests", () => {
    for (const path of ["clusters/homelab/flux-system/sops-age.sops.yaml", "clusters/homelab/apps/db.sops.yml"]) {
      expect(ruleFor(rendered, path)).toBe(0);
    }
    const rule = rendered.creation_rules[0];
    expect(rule.encrypted_regex).toBe("^(data|stringData)$");
    const re = new RegExp(KUBERNETES_ENCRYPTED_REGEX);
    expect(["data", "stringData"].every((k) => re.test(k))).toBe(true);
    expect(["metadata", "kind", "apiVersion", "type", "database"].some((k) => re.test(k))).toBe(false);
  });

  it("encrypts talos/<name>/ files whole", () => {
    expect(ruleFor(rendered, "talos/homelab/secrets.sops.yaml")).toBe(2);
    expect(ruleFor(rendered, "talos/homelab/cp-1.sops.yaml")).toBe(2);
    expect(rendered.creation_rules[2]).not.toHaveProperty("encrypted_regex");
  });

  it("covers the etcd snapshots `etcd snapshot` writes to talos/<name>/etcd-snapshots/ with a rule of their own, before talos/'s", () => {
    expect(rendered.creation_rules[1].path_regex).toBe("^talos/homelab/etcd-snapshots/.*\\.snapshot\\.sops$");
    expect(ruleFor(rendered, "talos/homelab/etcd-snapshots/homelab-etcd-20261206T235217Z.snapshot.sops")).toBe(1);
    expect(rendered.creation_rules[1]).not.toHaveProperty("encrypted_regex");
    for (const path of ["talos/homelab/etcd-snapshots/x.snapshot.sops.tmp", "talos/other/etcd-snapshots/x.snapshot.sops", "talos/homelab/x.snapshot.sops"]) {
      expect(ruleFor(rendered, path), path).toBe(-1);
    }
  });

  it("matches no plain file, other cluster or other folder", () => {
    for (const path of [
      "clusters/homelab/flux-system/flux-instance.yaml",
      "clusters/other/x.sops.yaml",
      "talos/homelab2/secrets.sops.yaml",
      "apps/homelab/x.sops.yaml",
      "x/clusters/homelab/x.sops.yaml",
    ]) {
      expect(ruleFor(rendered, path), path).toBe(-1);
    }
  });

  it("encrypts clusters/ to the operators and the cluster recipient, talos/ and its snapshots to the operators only, once each", () => {
    expect(rendered.creation_rules[0].age).toBe(`${OPERATOR_RECIPIENT},${TEST_RECIPIENT}`);
    expect(rendered.creation_rules[1].age).toBe(OPERATOR_RECIPIENT);
    expect(rendered.creation_rules[2].age).toBe(OPERATOR_RECIPIENT);
    const dup = sopsConfig({ ...options, recipients: [TEST_RECIPIENT, OPERATOR_RECIPIENT, OPERATOR_RECIPIENT] });
    expect(dup.creation_rules[0].age).toBe(`${OPERATOR_RECIPIENT},${TEST_RECIPIENT}`);
    // the cluster's recipient given as an operator still does not reach talos/
    expect(dup.creation_rules[1].age).toBe(OPERATOR_RECIPIENT);
    expect(dup.creation_rules[2].age).toBe(OPERATOR_RECIPIENT);
  });

  it("with no operator (allowClusterIdentityOnly), every rule names the cluster recipient", () => {
    const alone = sopsConfig({ ...options, recipients: [] });
    expect(alone.creation_rules.map((r) => r.age)).toEqual([TEST_RECIPIENT, TEST_RECIPIENT, TEST_RECIPIENT]);
  });

  it("renders the rules as one block between the cluster's BEGIN and END markers, indented as a creation_rules item", () => {
    const block = renderSopsRulesBlock(options);
    const lines = block.trimEnd().split("\n");
    expect(lines[0]).toBe("  # BEGIN talos-homelab cluster homelab");
    expect(lines.at(-1)).toBe("  # END talos-homelab cluster homelab");
    expect(lines.filter((l) => l.startsWith("  - path_regex: "))).toHaveLength(3);
    expect(lines.every((l) => l.startsWith("  "))).toBe(true);
    expect(renderSopsConfig(options)).toBe(`creation_rules:\n${block}`);
  });

  it("escapes regex characters in the cluster name", () => {
    expect(sopsConfig({ ...options, clusterName: "a.b" }).creation_rules[0].path_regex).toBe("^clusters/a\\.b/.*\\.sops\\.ya?ml$");
    expect(sopsConfig({ ...options, clusterName: "a.b" }).creation_rules[1].path_regex).toBe("^talos/a\\.b/etcd-snapshots/.*\\.snapshot\\.sops$");
  });

  it("rejects a bad recipient by field, and redacts an identity given as one", () => {
    expect(() => sopsConfig({ ...options, recipients: [OPERATOR_RECIPIENT, "age1nope"] })).toThrow(/^ageRecipients\[1\] = "age1nope": is not a valid age recipient/);
    let message = "";
    try {
      sopsConfig({ ...options, recipients: [TEST_IDENTITY] });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/ageRecipients\[0\] = "AGE-SECRET-KEY-…\(redacted\)": is an age identity/);
    expect(message).not.toContain(TEST_IDENTITY.slice(15));
  });
});
