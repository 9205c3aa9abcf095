import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "test/compat/oracle/**", "rendered/**", "gitops-out/**", "dist/**", "**/*.cjs", "**/*.mjs"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-require-imports": "off",
    },
  },
);
