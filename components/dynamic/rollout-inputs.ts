/** Readers for the roll-out resources' node inputs; each error names the resource and field. */
import type { RolloutNode } from "./rollout-api";

function nodeAt(resource: string, field: string, value: unknown): RolloutNode {
  const ref = value as Partial<RolloutNode> | null;
  if (typeof ref?.name !== "string" || ref.name === "" || typeof ref.address !== "string" || ref.address === "") {
    throw new Error(`${resource}: ${field} must have a non-empty "name" and "address"`);
  }
  if (ref.role !== "controlplane" && ref.role !== "worker") {
    throw new Error(`${resource}: ${field}.role must be "controlplane" or "worker" (got ${JSON.stringify(ref.role)})`);
  }
  return { name: ref.name, address: ref.address, role: ref.role };
}

export function rolloutNode(resource: string, raw: Record<string, unknown>, field: string): RolloutNode {
  return nodeAt(resource, `"${field}"`, raw[field]);
}

export function rolloutNodes(resource: string, raw: Record<string, unknown>, field: string): RolloutNode[] {
  const value = raw[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${resource}: "${field}" must be a list of {name, address, role}`);
  return value.map((item: unknown, i) => nodeAt(resource, `${field}[${i}]`, item));
}

export const sameNode = (a: RolloutNode, b: RolloutNode): boolean => a.name === b.name && a.address === b.address && a.role === b.role;
