import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chooseRecipients, operatorRecipients } from "../../gitops/recipients";
import { ensureDefaultAgeIdentity, generateAgeIdentity } from "../../sops/age-identities";

function emptyHome(): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), "recipients-"));
  return { HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
}

describe("who the outputs are encrypted to", () => {
  it("takes --age, then SOPS_AGE_RECIPIENTS, then config, and always adds the cluster", async () => {
    const [a, b, cluster] = await Promise.all([generateAgeIdentity(), generateAgeIdentity(), generateAgeIdentity()]);
    const env = { ...emptyHome(), SOPS_AGE_RECIPIENTS: b.recipient };
    expect((await chooseRecipients({ override: a.recipient, configRecipients: [], clusterRecipient: cluster.recipient, env })).recipients).toEqual([a.recipient, cluster.recipient]);
    expect((await chooseRecipients({ configRecipients: [a.recipient], clusterRecipient: cluster.recipient, env })).recipients).toEqual([b.recipient, cluster.recipient]);
  });

  it("pulumi up (createDefaultIdentity: false) never creates the default identity, and then uses the cluster only", async () => {
    const env = emptyHome();
    const choice = await operatorRecipients({ configRecipients: [], env, createDefaultIdentity: false });
    expect(choice).toEqual({ recipients: [], source: "cluster identity only" });
    expect(existsSync(join(env.XDG_CONFIG_HOME as string, "sops/age/keys.txt"))).toBe(false);
  });

  it("pulumi up uses the default identity render created, so both encrypt to the same recipients", async () => {
    const env = emptyHome();
    const cluster = await generateAgeIdentity();
    const rendered = await chooseRecipients({ configRecipients: [], clusterRecipient: cluster.recipient, env });
    expect(rendered.defaultIdentity?.created).toBe(true);
    const up = await chooseRecipients({ configRecipients: [], clusterRecipient: cluster.recipient, env, createDefaultIdentity: false });
    expect(up.recipients).toEqual(rendered.recipients);
    expect(up.recipients).toContain((await ensureDefaultAgeIdentity(env)).recipient);
  });
});
