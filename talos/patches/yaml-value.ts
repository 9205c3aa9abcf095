/** A YAML value as held in memory: JSON-like, with object keys kept in insertion order. */
export type YamlValue = string | number | boolean | null | YamlValue[] | YamlMap;
export interface YamlMap {
  [key: string]: YamlValue;
}

/** One config document (the v1alpha1 config, or a typed document with apiVersion/kind). */
export type ConfigDocument = YamlMap;

export function isYamlMap(value: YamlValue | undefined): value is YamlMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function cloneYaml<T extends YamlValue>(value: T): T {
  return structuredClone(value);
}
