import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ConfigError, readStackConfig, SECRET_KEYS, stackConfigSchema, type RawConfigSource } from "../../config";
import { EXAMPLE_STACK } from "./fixtures";

function source(entries: Record<string, { value: string; secret: boolean }>): RawConfigSource {
  return (key) => entries[key];
}

describe("readStackConfig", () => {
  it("refuses a secret key stored in plaintext, naming the fix", () => {
    const read = () => readStackConfig(source({ proxmoxApiToken: { value: "root@pam!x=y", secret: false } }), {});
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/talos-homelab:proxmoxApiToken: is a secret but is stored in plaintext.*pulumi config set --secret talos-homelab:proxmoxApiToken/);
    try {
      read();
    } catch (err) {
      expect((err as Error).message).not.toContain("root@pam!x=y");
    }
  });

  it("takes secrets from secure config, else from the environment", () => {
    const read = readStackConfig(source({ gitToken: { value: "from-config", secret: true } }), {
      TALOS_HOMELAB_GIT_TOKEN: "from-env",
      PROXMOX_VE_API_TOKEN: "pve-env",
    });
    expect(read.secrets).toEqual({ gitToken: "from-config", proxmoxApiToken: "pve-env" });
  });

  it("parses structured values and keeps strings as strings", () => {
    const read = readStackConfig(source({ clusterName: { value: "lab", secret: false }, nodes: { value: "[]", secret: false } }), {});
    expect(read.input).toEqual({ clusterName: "lab", nodes: [] });
  });

  it("the example stack file holds no secret value", () => {
    const text = readFileSync(EXAMPLE_STACK, "utf8");
    const config = (parse(text) as { config: Record<string, unknown> }).config;
    for (const key of Object.keys(SECRET_KEYS)) expect(config[`talos-homelab:${key}`]).toBeUndefined();
    expect(text).not.toMatch(/AGE-SECRET-KEY-1|PRIVATE KEY|^\s*secure:|{ *secure:/m);
  });

  it("Pulumi.yaml declares every config key, secret keys as secret", () => {
    const project = parse(readFileSync(resolve(__dirname, "../../Pulumi.yaml"), "utf8")) as {
      config: Record<string, { description?: string; secret?: boolean }>;
    };
    const declared = Object.keys(project.config).map((k) => k.replace(/^talos-homelab:/, "")).sort();
    const expected = [...Object.keys(stackConfigSchema.shape), ...Object.keys(SECRET_KEYS)].sort();
    expect(declared).toEqual(expected);
    for (const key of Object.keys(SECRET_KEYS)) expect(project.config[`talos-homelab:${key}`]?.secret).toBe(true);
    for (const decl of Object.values(project.config)) expect(decl.description?.length).toBeGreaterThan(10);
  });
});
