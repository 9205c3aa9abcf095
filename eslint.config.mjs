import tseslint from "typescript-eslint";

// Layering (docs/architecture.md): data flows config -> libraries -> gitops -> components -> index.ts.
const PROJECT_FOLDERS = "config|sops|talos|kubernetes|gitops|components|cli|bin|bench|test";
/** An import of another project folder, from any depth below the importing folder (regex on the import path). */
const otherFolder = (folders) => `^(\\.\\./)+(${folders})(/|$)`;
const noPulumi = { group: ["@pulumi/*"], message: "sops/, talos/ and kubernetes/ are pure libraries: Pulumi belongs in components/ and index.ts" };
const restrict = (...patterns) => ["error", { patterns }];
const throughSopsIndex = { regex: "^(\\.\\./)+sops/(?!index$)", message: "import sops/ through its public API, sops/index.ts" };

export default tseslint.config(
  { ignores: ["node_modules/**", "test/compat/oracle/**", "rendered/**", "gitops-out/**", "dist/**", "**/*.cjs", "**/*.mjs"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    files: ["sops/**/*.ts"],
    rules: {
      "no-restricted-imports": restrict(noPulumi, {
        regex: otherFolder(PROJECT_FOLDERS.replace("sops|", "")),
        message: "sops/ is a pure library: it imports no other project folder",
      }),
    },
  },
  {
    files: ["talos/**/*.ts"],
    rules: {
      "no-restricted-imports": restrict(noPulumi, {
        regex: otherFolder(PROJECT_FOLDERS.replace("talos|", "")),
        message: "talos/ is a pure library: it imports no other project folder",
      }),
    },
  },
  {
    files: ["kubernetes/**/*.ts"],
    rules: {
      "no-restricted-imports": restrict(
        noPulumi,
        { regex: otherFolder("config|gitops|components|cli|bin|bench|test"), message: "kubernetes/ builds manifests from plain values: it imports only the libraries (sops/, talos/)" },
        throughSopsIndex,
      ),
    },
  },
  {
    files: ["config/**/*.ts", "gitops/**/*.ts", "components/**/*.ts", "cli/**/*.ts", "bench/**/*.ts", "index.ts"],
    rules: {
      "no-restricted-imports": restrict(throughSopsIndex),
    },
  },
);
