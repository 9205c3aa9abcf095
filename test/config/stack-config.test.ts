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

  describe("Pulumi.yaml's project config (Pulumi requires every key of the project's namespace it declares without a default)", () => {
    const project = parse(readFileSync(resolve(__dirname, "../../Pulumi.yaml"), "utf8")) as {
      config?: Record<string, { description?: string; secret?: boolean; default?: unknown; value?: unknown }>;
    };
    const declared = Object.entries(project.config ?? {}).map(([key, decl]) => ({ key: key.replace(/^talos-homelab:/, ""), decl }));
    /** The keys the schema cannot do without: the one place that decides what is optional. */
    const requiredBySchema = Object.entries(stackConfigSchema.shape)
      .filter(([, schema]) => !schema.safeParse(undefined).success)
      .map(([key]) => key)
      .sort();

    it("the schema requires some keys and leaves others optional", () => {
      expect(requiredBySchema).toEqual(["clusterName", "controlPlane", "flux", "nodes", "proxmox"]);
    });

    it("declares no key the schema considers optional (secret keys may come from the environment)", () => {
      const optionalButDeclared = declared.map(({ key }) => key).filter((key) => !requiredBySchema.includes(key));
      expect(optionalButDeclared).toEqual([]);
    });

    it("declares every key the schema requires, with a description and no default of its own", () => {
      expect(declared.map(({ key }) => key).sort()).toEqual(requiredBySchema);
      for (const { decl } of declared) {
        expect(decl.description?.length).toBeGreaterThan(10);
        expect(decl.default).toBeUndefined();
        expect(decl.value).toBeUndefined();
      }
    });
  });
});
