import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allTreeRecipients, recipientsFor } from "../../kubernetes";
import {
  MissingOperatorRecipientError,
  hasOperatorRecipientSource,
  operatorRecipients,
  requireOperatorRecipientSource,
  requireOperatorRecipients,
} from "../../gitops/recipients";
import { ensureDefaultAgeIdentity, generateAgeIdentity } from "../../sops/age-identities";

function emptyHome(): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), "recipients-"));
  return { HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
}

const requirement = (clusterRecipient: string, allowClusterIdentityOnly = false) =>
  ({ command: "render", clusterRecipient, allowClusterIdentityOnly, source: "config ageRecipients" }) as const;

describe("who the outputs are encrypted to", () => {
  it("takes --age, then SOPS_AGE_RECIPIENTS, then config (operators only: the cluster is added by need)", async () => {
    const [a, b] = await Promise.all([generateAgeIdentity(), generateAgeIdentity()]);
    const env = { ...emptyHome(), SOPS_AGE_RECIPIENTS: b.recipient };
    expect(await operatorRecipients({ override: a.recipient, configRecipients: [], env })).toEqual({ recipients: [a.recipient], source: "--age" });
    expect(await operatorRecipients({ configRecipients: [a.recipient], env })).toEqual({ recipients: [b.recipient], source: "SOPS_AGE_RECIPIENTS" });
    expect((await operatorRecipients({ configRecipients: [a.recipient, a.recipient], env: emptyHome() })).recipients).toEqual([a.recipient]);
  });

  it("pulumi up (createDefaultIdentity: false) never creates the default identity, and then has no operator", async () => {
    const env = emptyHome();
    const choice = await operatorRecipients({ configRecipients: [], env, createDefaultIdentity: false });
    expect(choice).toEqual({ recipients: [], source: "none" });
    expect(existsSync(join(env.XDG_CONFIG_HOME as string, "sops/age/keys.txt"))).toBe(false);
  });

  it("pulumi up uses the default identity render created, so both encrypt to the same recipients", async () => {
    const env = emptyHome();
    const rendered = await operatorRecipients({ configRecipients: [], env });
    expect(rendered.defaultIdentity?.created).toBe(true);
    const up = await operatorRecipients({ configRecipients: [], env, createDefaultIdentity: false });
    expect(up.recipients).toEqual(rendered.recipients);
    expect(up.recipients).toEqual([(await ensureDefaultAgeIdentity(env)).recipient]);
  });
});

describe("recipients by need", () => {
  it("talos/ files go to the operators only, clusters/ files to the operators and the cluster identity", async () => {
    const [op1, op2, cluster] = await Promise.all([generateAgeIdentity(), generateAgeIdentity(), generateAgeIdentity()]);
    const tree = { operators: [op1.recipient, op2.recipient], cluster: cluster.recipient };
    expect(recipientsFor("operators", tree)).toEqual([op1.recipient, op2.recipient]);
    expect(recipientsFor("operators-and-cluster", tree)).toEqual([op1.recipient, op2.recipient, cluster.recipient]);
    expect(allTreeRecipients(tree)).toEqual([op1.recipient, op2.recipient, cluster.recipient]);
    // the cluster's recipient listed as an operator is not one: talos/ stays out of the cluster's reach
    expect(recipientsFor("operators", { operators: [cluster.recipient, op1.recipient], cluster: cluster.recipient })).toEqual([op1.recipient]);
  });

  it("with no operator (only when the stack opted out), the cluster identity is the only recipient left for both", async () => {
    const cluster = await generateAgeIdentity();
    expect(recipientsFor("operators", { operators: [], cluster: cluster.recipient })).toEqual([cluster.recipient]);
  });
});

describe("the operator-recipient requirement", () => {
  it("refuses no operator, or only the cluster identity's own recipient, naming the fix and the opt-out", async () => {
    const cluster = await generateAgeIdentity();
    for (const given of [[], [cluster.recipient]]) {
      let error: unknown;
      try {
        requireOperatorRecipients(given, requirement(cluster.recipient));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MissingOperatorRecipientError);
      const message = (error as Error).message;
      expect(message).toMatch(/^render: no operator recipient/);
      expect(message).toContain("talos-homelab age keygen");
      expect(message).toContain("talos-homelab:ageRecipients");
      expect(message).toContain("talos-homelab:allowClusterIdentityOnly: true");
      expect(message).not.toMatch(/AGE-SECRET-KEY/);
    }
  });

  it("drops the cluster's recipient from the operators, and lets an opted-out stack through", async () => {
    const [op, cluster] = await Promise.all([generateAgeIdentity(), generateAgeIdentity()]);
    expect(requireOperatorRecipients([cluster.recipient, op.recipient], requirement(cluster.recipient))).toEqual([op.recipient]);
    expect(requireOperatorRecipients([], requirement(cluster.recipient, true))).toEqual([]);
  });

  it("pulumi up's early check: config, SOPS_AGE_RECIPIENTS or the default identity file count; nothing else", async () => {
    const op = await generateAgeIdentity();
    const env = emptyHome();
    expect(hasOperatorRecipientSource({ configRecipients: [], env })).toBe(false);
    expect(() => requireOperatorRecipientSource({ configRecipients: [], env, allowClusterIdentityOnly: false })).toThrow(/^pulumi up: no operator recipient: talos-homelab:ageRecipients is empty/);
    expect(() => requireOperatorRecipientSource({ configRecipients: [], env, allowClusterIdentityOnly: true })).not.toThrow();
    expect(hasOperatorRecipientSource({ configRecipients: [op.recipient], env })).toBe(true);
    expect(hasOperatorRecipientSource({ configRecipients: [], env: { ...env, SOPS_AGE_RECIPIENTS: op.recipient } })).toBe(true);
    mkdirSync(join(env.XDG_CONFIG_HOME as string, "sops/age"), { recursive: true });
    writeFileSync(join(env.XDG_CONFIG_HOME as string, "sops/age/keys.txt"), `${op.identity}\n`, { mode: 0o600 });
    expect(hasOperatorRecipientSource({ configRecipients: [], env })).toBe(true);
  });

  it("pulumi up's early check refuses SOPS_AGE_RECIPIENTS or ageRecipients naming only the pinned cluster recipient", async () => {
    const [op, cluster] = await Promise.all([generateAgeIdentity(), generateAgeIdentity()]);
    const env = emptyHome();
    const pinned = { allowClusterIdentityOnly: false, pinnedClusterRecipient: cluster.recipient };
    expect(() => requireOperatorRecipientSource({ ...pinned, configRecipients: [cluster.recipient], env })).toThrow(/the only recipient from config ageRecipients is the cluster identity's own/);
    expect(() => requireOperatorRecipientSource({ ...pinned, configRecipients: [op.recipient], env: { ...env, SOPS_AGE_RECIPIENTS: cluster.recipient } })).toThrow(
      /the only recipient from SOPS_AGE_RECIPIENTS is the cluster identity's own/,
    );
    expect(() => requireOperatorRecipientSource({ ...pinned, configRecipients: [cluster.recipient, op.recipient], env })).not.toThrow();
  });
});
