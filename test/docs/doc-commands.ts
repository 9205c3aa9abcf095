import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

export interface DocBlock {
  readonly file: string;
  readonly tag: "offline" | "online" | undefined;
  readonly commands: readonly string[];
}

/** Commands `.ci/run` runs itself (they would recurse or duplicate CI if the docs test ran them). */
export const CI_COMMANDS = ["npm ci", "npm test", "npm run test:compat", "npm run test:engine", "npm run typecheck", "npm run lint", "npm run bench"];

const FENCE = /^```(sh|bash|shell)([^\n]*)\n([\s\S]*?)^```/gm;

function commandsOf(body: string): string[] {
  return body
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .flatMap((line) => line.split(/\s+&&\s+/));
}

/** Every fenced shell block of the README and docs/, in reading order. */
export function docBlocks(root: string): DocBlock[] {
  const files = ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];
  return files.flatMap((file) => {
    const text = readFileSync(join(root, file), "utf8");
    return [...text.matchAll(FENCE)].map((m) => {
      const words = (m[2] ?? "").trim().split(/\s+/);
      const tag = words.includes("offline") ? "offline" : words.includes("online") ? "online" : undefined;
      return { file, tag, commands: commandsOf(m[3] ?? "") };
    });
  });
}
