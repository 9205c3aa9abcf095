/**
 * The plain Git hook (`talos-homelab check --install-hook`): `pre-commit` in the repository's hooks folder runs
 * `check --staged` on the tree, so a commit holding a leak is refused. A hook that is not ours is never replaced
 * without `--force` (it may be pre-commit's, or the user's own).
 */
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { writeFileAtomic } from "../sops/index";
import { GUARD_HOOK_ID } from "./guard-files";

const run = promisify(execFile);
const MARKER = `# ${GUARD_HOOK_ID}: installed by \`talos-homelab check --install-hook\``;

export interface InstallHookOptions {
  /** The tree to guard (inside a Git work tree). */
  readonly dir: string;
  /** The command that runs talos-homelab, as absolute argv (e.g. node and bin/talos-homelab.cjs). */
  readonly command: readonly string[];
  readonly force?: boolean;
}

export interface InstalledHook {
  readonly path: string;
  readonly replaced: "none" | "ours" | "foreign";
}

export class ForeignHookError extends Error {
  constructor(readonly path: string) {
    super(`${path} exists and was not written by talos-homelab: it is left as it is. Add \`talos-homelab check --staged\` to it yourself, or run again with --force to replace it`);
    this.name = "ForeignHookError";
  }
}

const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/** The hook script: from the repository root (where Git runs hooks), check the staged tree under `treeDir`. */
export function hookScript(command: readonly string[], treeDir: string): string {
  const [program, ...args] = command;
  return `#!/bin/sh
${MARKER}
# Refuses the commit when the staged GitOps tree holds a plaintext secret or a broken sops file. Reinstall after
# moving talos-homelab; remove this file to stop the guard.
for part in ${command.map(quote).join(" ")}; do
  case "$part" in /*) [ -e "$part" ] || { echo "${GUARD_HOOK_ID}: $part is gone: reinstall with talos-homelab check --install-hook" >&2; exit 1; } ;; esac
done
exec ${quote(program ?? "talos-homelab")} ${args.map(quote).join(" ")} check --staged ${quote(treeDir)}
`;
}

async function gitPath(dir: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run("git", [...args], { cwd: dir });
  return stdout.trim();
}

export async function installGitHook(opts: InstallHookOptions): Promise<InstalledHook> {
  const dir = resolve(opts.dir);
  let top: string;
  try {
    top = await gitPath(dir, ["rev-parse", "--show-toplevel"]);
  } catch {
    throw new Error(`--install-hook: ${dir} is not inside a Git work tree: run \`git init\` (or clone the repository) first`);
  }
  const hooks = await gitPath(dir, ["rev-parse", "--git-path", "hooks"]);
  const hooksDir = isAbsolute(hooks) ? hooks : resolve(dir, hooks);
  const path = join(hooksDir, "pre-commit");
  let replaced: InstalledHook["replaced"] = "none";
  try {
    const existing = await fs.readFile(path, "utf8");
    replaced = existing.includes(MARKER) ? "ours" : "foreign";
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  if (replaced === "foreign" && opts.force !== true) throw new ForeignHookError(path);
  await fs.mkdir(hooksDir, { recursive: true });
  await writeFileAtomic(path, hookScript(opts.command, relative(top, await fs.realpath(dir)) || "."), 0o755);
  return { path, replaced };
}
