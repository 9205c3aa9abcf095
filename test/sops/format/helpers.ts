import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SOPS_FORMAT_VERSION, SopsMetadata } from "../../../sops/metadata";
import type { EncryptionRules } from "../../../sops/encryption-rules";
import { encryptDocument } from "../../../sops/document-cipher";
import type { Tree } from "../../../sops/tree";

export const FIXTURES = join(__dirname, "fixtures");

/** Files written by the real sops 3.11.0 (encrypted to a throwaway age key) and their data keys. */
export function sopsFixture(name: string): { encrypted: Buffer; decrypted: Buffer; dataKey: Buffer } {
  const keys = readFileSync(join(FIXTURES, "data-keys.txt"), "utf8").trim().split("\n");
  const line = keys.find((l) => l.startsWith(name + " "));
  if (!line) throw new Error(`no data key for fixture ${name}`);
  return {
    encrypted: readFileSync(join(FIXTURES, `${name}.enc`)),
    decrypted: readFileSync(join(FIXTURES, `${name}.dec`)),
    dataKey: Buffer.from(line.split(" ")[1], "hex"),
  };
}

export const newKey = (): Buffer => randomBytes(32);

export const NOW = new Date("2024-11-12T13:33:42.123Z");

export function metadataFor(result: { mac: string; lastmodified: string }, rules: EncryptionRules = {}): SopsMetadata {
  return {
    keyGroups: [{ age: [{ recipient: "age1testrecipient", enc: "-----BEGIN AGE ENCRYPTED FILE-----\nAAAA\n-----END AGE ENCRYPTED FILE-----\n" }], other: [] }],
    lastmodified: result.lastmodified,
    mac: result.mac,
    version: SOPS_FORMAT_VERSION,
    ...rules,
  };
}

export function encryptWith(tree: Tree, key: Buffer, rules: EncryptionRules = {}): { tree: Tree; metadata: SopsMetadata } {
  const r = encryptDocument(tree, key, rules, { now: NOW });
  const effective = Object.keys(rules).some((k) => k !== "macOnlyEncrypted") ? rules : { unencryptedSuffix: "_unencrypted", ...rules };
  return { tree: r.tree, metadata: metadataFor(r, effective) };
}
