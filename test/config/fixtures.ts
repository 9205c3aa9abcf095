import { resolve } from "node:path";
import { ConfigError, readStackConfig, stackFileSource, validateConfig } from "../../config";

export const EXAMPLE_STACK = resolve(__dirname, "../../Pulumi.homelab.yaml");

/** The example stack's schema input, as a fresh mutable copy. */
export function exampleInput(): Record<string, unknown> {
  return structuredClone(readStackConfig(stackFileSource(EXAMPLE_STACK), {}).input);
}

type Json = Record<string, unknown>;

/** Returns a copy of the example with `mutate` applied. */
export function withChange(mutate: (config: Json & { nodes: Json[] }) => void): Json {
  const config = exampleInput() as Json & { nodes: Json[] };
  mutate(config);
  return config;
}

/** The message validation refuses `input` with; fails the test when it is accepted. */
export function problems(input: unknown): string {
  try {
    validateConfig(input);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error("expected the configuration to be rejected");
}
