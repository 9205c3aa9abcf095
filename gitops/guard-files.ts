/**
 * The guards `render` writes into the GitOps tree, so that `talos-homelab check` runs where people commit: a
 * pre-commit framework config (a local hook) and a GitHub Actions workflow that runs the same check on pull requests.
 * Both assume the tree is the root of its Git repository (the usual `outputDir`: a checkout of the Flux repository).
 */
import type { Artefact } from "./artefact";

export const GUARD_HOOK_ID = "talos-homelab-check";

export const guardPaths = {
  preCommitConfig: ".pre-commit-config.yaml",
  workflow: ".github/workflows/talos-homelab-check.yaml",
};

/** pre-commit's config for the tree: runs `talos-homelab check --staged` on what is about to be committed. */
export function renderPreCommitConfig(): string {
  return `# Written by talos-homelab when absent; yours from then on (render keeps it as it is).
# \`pre-commit install\` makes Git run the hooks below before every commit. The talos-homelab-check hook needs the
# talos-homelab command on PATH (\`npm link\` in a talos-homelab checkout). Without pre-commit, the same guard:
#   talos-homelab check --install-hook
# Or use talos-homelab as a hook repository (its .pre-commit-hooks.yaml):
#   - repo: https://github.com/<owner>/talos-homelab
#     rev: <tag or commit>
#     hooks:
#       - id: ${GUARD_HOOK_ID}
repos:
  - repo: local
    hooks:
      - id: ${GUARD_HOOK_ID}
        name: talos-homelab check (no plaintext secret, sops files valid)
        entry: talos-homelab check --staged
        language: system
        pass_filenames: false
        always_run: true
`;
}

/**
 * The pull-request workflow. talos-homelab is not on the npm registry: the job checks out the repository named by
 * the TALOS_HOMELAB_REPOSITORY variable (owner/name, at TALOS_HOMELAB_REF, default main) and runs its CLI on the tree.
 * The check needs no key: without an identity it notes that the sops-age Secret was not decrypted.
 */
export function renderCheckWorkflow(): string {
  return `# Written by talos-homelab on every render: the same guard as the pre-commit hook, on every pull request.
# Set the repository variable TALOS_HOMELAB_REPOSITORY (owner/name of your talos-homelab checkout; TALOS_HOMELAB_REF
# picks a branch or tag, default main). A private talos-homelab repository also needs the TALOS_HOMELAB_TOKEN secret.
name: talos-homelab check
on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read

jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          path: tree
          persist-credentials: false
      - name: Require the talos-homelab repository variable
        env:
          REPOSITORY: \${{ vars.TALOS_HOMELAB_REPOSITORY }}
        run: |
          if [ -z "$REPOSITORY" ]; then
            echo "::error::set the repository variable TALOS_HOMELAB_REPOSITORY to owner/name of your talos-homelab repository"
            exit 1
          fi
      - uses: actions/checkout@v4
        with:
          repository: \${{ vars.TALOS_HOMELAB_REPOSITORY }}
          ref: \${{ vars.TALOS_HOMELAB_REF || 'main' }}
          token: \${{ secrets.TALOS_HOMELAB_TOKEN || github.token }}
          path: talos-homelab
          persist-credentials: false
      - uses: actions/setup-node@v4
        with:
          node-version: 24
      - name: Install talos-homelab
        working-directory: talos-homelab
        run: npm ci
      - name: talos-homelab check
        run: node talos-homelab/bin/talos-homelab.cjs check tree
`;
}

/** The guard files as artefacts of the tree (plain: they hold no secret). */
export function guardArtefacts(): Artefact[] {
  return [
    { path: guardPaths.preCommitConfig, description: "pre-commit hook config", content: renderPreCommitConfig(), format: "binary", keepExisting: true },
    { path: guardPaths.workflow, description: "pull-request check workflow", content: renderCheckWorkflow(), format: "binary" },
  ];
}
