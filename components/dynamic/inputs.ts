/** Readers for the plain records Pulumi hands a dynamic provider; each error names the resource and field. */

export function requiredString(resource: string, inputs: Record<string, unknown>, field: string): string {
  const value = inputs[field];
  if (typeof value !== "string" || value === "") {
    throw new Error(`${resource}: "${field}" is required (got ${value === undefined ? "nothing" : JSON.stringify(typeof value)})`);
  }
  return value;
}

export function optionalString(resource: string, inputs: Record<string, unknown>, field: string): string | undefined {
  const value = inputs[field];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new Error(`${resource}: "${field}" must be a string`);
  return value;
}

export function stringList(resource: string, inputs: Record<string, unknown>, field: string): string[] {
  const value = inputs[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new Error(`${resource}: "${field}" must be a list of strings`);
  }
  return value;
}

export function optionalNumber(resource: string, inputs: Record<string, unknown>, field: string): number | undefined {
  const value = inputs[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${resource}: "${field}" must be a positive number (got ${JSON.stringify(value)})`);
  }
  return value;
}

