/** The layering rule of eslint.config.mjs (docs/architecture.md) bites: run through ESLint's Node API. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

const root = join(__dirname, "../..");
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** The messages of the layering rule for `code` placed at `filePath` (relative to the repository). */
async function layeringErrors(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("eslint no-restricted-imports layering", () => {
  it("refuses the fixture that imports @pulumi/pulumi from sops/, and accepts it in components/", async () => {
    const fixture = readFileSync(join(__dirname, "fixtures/sops-imports-pulumi.ts"), "utf8");
    expect(await layeringErrors(fixture, "sops/layering-fixture.ts")).toEqual([expect.stringContaining("pure libraries")]);
    expect(await layeringErrors(fixture, "talos/api/layering-fixture.ts")).toHaveLength(1);
    expect(await layeringErrors(fixture, "components/layering-fixture.ts")).toEqual([]);
  });

  it("sops/ and talos/ import no other project folder, at any depth", async () => {
    expect(await layeringErrors('export { treePaths } from "../gitops/tree-layout";\n', "sops/x.ts")).toHaveLength(1);
    expect(await layeringErrors('import { ConfigError } from "../../config";\nexport { ConfigError };\n', "sops/operations/x.ts")).toHaveLength(1);
    expect(await layeringErrors('import { ageRecipientProblem } from "../../sops/index";\nexport { ageRecipientProblem };\n', "talos/pki/x.ts")).toHaveLength(1);
    // inside their own folder anything goes
    expect(await layeringErrors('import { storeFor } from "../stores/index";\nexport { storeFor };\n', "sops/operations/x.ts")).toEqual([]);
    expect(await layeringErrors('import { isV1Alpha1 } from "../patches/document-id";\nexport { isV1Alpha1 };\n', "talos/machine-config/x.ts")).toEqual([]);
  });

  it("kubernetes/ must not import config/; everyone outside sops/ goes through sops/index.ts", async () => {
    expect(await layeringErrors('import { ConfigError } from "../config";\nexport { ConfigError };\n', "kubernetes/x.ts")).toEqual([expect.stringContaining("kubernetes/")]);
    expect(await layeringErrors('import { ageRecipientProblem } from "../sops/index";\nexport { ageRecipientProblem };\n', "kubernetes/x.ts")).toEqual([]);
    expect(await layeringErrors('import { storeFor } from "../sops/stores/index";\nexport { storeFor };\n', "gitops/x.ts")).toEqual([expect.stringContaining("sops/index.ts")]);
    expect(await layeringErrors('import { writeFileAtomic } from "../../sops/atomic-write";\nexport { writeFileAtomic };\n', "components/dynamic/x.ts")).toHaveLength(1);
    expect(await layeringErrors('import { storeFor } from "../sops/index";\nexport { storeFor };\n', "gitops/x.ts")).toEqual([]);
  });
});
