import type { z } from "zod";
import type { ConfigIssue } from "./config-error";

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === "number") return `${acc}[${key}]`;
    return acc ? `${acc}.${String(key)}` : String(key);
  }, "");
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function fixFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return `remove or correct the key(s) ${issue.keys.map((k) => `"${k}"`).join(", ")} (see the configuration reference in README.md)`;
    case "invalid_type":
      return `set it to a ${issue.expected} value`;
    case "invalid_value":
      return `use one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return "correct the value (see the configuration reference in README.md)";
  }
}

/** Turns zod's issues into our field / value / problem / fix form. */
export function configIssuesFromZod(error: z.ZodError, input: unknown): ConfigIssue[] {
  return error.issues.map((issue) => ({
    path: formatPath(issue.path) || "(root)",
    value: issue.code === "unrecognized_keys" ? undefined : valueAt(input, issue.path),
    problem: issue.message,
    fix: fixFor(issue),
  }));
}
