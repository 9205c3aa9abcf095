import { resolve } from "node:path";
import { readStackConfig, stackFileSource } from "../../config";

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
