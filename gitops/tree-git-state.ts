/**
 * Whether what is on disk in the tree is also what Flux reads: committed and pushed. Only local Git commands are run
 * (status, rev-list): nothing is fetched.
 */
import { execFileSync } from "node:child_process";

export type TreeGitState =
  | { readonly kind: "published" }
  | { readonly kind: "not-a-checkout" }
  | { readonly kind: "uncommitted"; readonly files: readonly string[] }
  | { readonly kind: "no-upstream" }
  | { readonly kind: "unpushed"; readonly commits: number };

function git(root: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync("git", ["-C", root, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      env: { ...process.env, GIT_OPTIONAL_LOCKS: "0", GIT_TERMINAL_PROMPT: "0" },
    });
  } catch {
    return undefined;
  }
}

export function treeGitState(root: string): TreeGitState {
  if (git(root, ["rev-parse", "--is-inside-work-tree"])?.trim() !== "true") return { kind: "not-a-checkout" };
  // a folder the enclosing repository ignores (e.g. rendered/ in the project checkout) is not what Flux reads
  if (git(root, ["check-ignore", "-q", "."]) !== undefined) return { kind: "not-a-checkout" };
  const status = git(root, ["status", "--porcelain", "--untracked-files=all", "--", "."]);
  if (status === undefined) return { kind: "not-a-checkout" };
  const files = status.split("\n").filter((l) => l.trim() !== "").map((l) => l.slice(3));
  if (files.length > 0) return { kind: "uncommitted", files };
  if (git(root, ["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"]) === undefined) return { kind: "no-upstream" };
  const ahead = Number(git(root, ["rev-list", "--count", "@{upstream}..HEAD"])?.trim() ?? "NaN");
  if (!Number.isInteger(ahead)) return { kind: "no-upstream" };
  return ahead > 0 ? { kind: "unpushed", commits: ahead } : { kind: "published" };
}

/** Why the tree is not yet what Flux reads, or `undefined` when it is. */
export function unpublishedReason(state: TreeGitState, root: string): string | undefined {
  switch (state.kind) {
    case "published":
      return undefined;
    case "not-a-checkout":
      return `${root} is not a Git checkout, so whether Flux reads the rotated tree is unknown: put outputDir in a Git checkout of the repository Flux reads, commit and push, then run render or pulumi up again`;
    case "uncommitted":
      return `${state.files.length} file(s) in ${root} are not committed (${state.files.slice(0, 3).join(", ")}${state.files.length > 3 ? ", …" : ""}): commit and push them`;
    case "no-upstream":
      return `the branch checked out in ${root} has no upstream, so whether Flux reads it is unknown: push it with \`git push -u\``;
    case "unpushed":
      return `${state.commits} commit(s) in ${root} are not pushed: push them`;
  }
}
