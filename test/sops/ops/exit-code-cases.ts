/**
 * Failures on which `talos-homelab sops` must exit as sops 3.11 does, with the code sops exits with. The unit test
 * (cli.test.ts) checks ours against `sopsExits`; the compat test (test/compat/sops-exit-codes.compat.test.ts) checks
 * that the real sops still exits with `sopsExits` and that ours agrees, on the same files.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ExitCodeCase {
  readonly name: string;
  /** Writes the inputs into `dir`; `encrypted` is a valid sops YAML file (one key `a`) the key can decrypt. */
  readonly setup: (dir: string, encrypted: string) => void;
  readonly args: (dir: string, recipient: string) => string[];
  readonly env?: (dir: string) => NodeJS.ProcessEnv;
  readonly sopsExits: number;
}

const file = (dir: string, name: string, text: string) => writeFileSync(join(dir, name), text);
const editor = (dir: string, body: string) => {
  const path = join(dir, "editor.sh");
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return { EDITOR: path, SOPS_EDITOR: "" };
};
const decrypt = (name: string) => (dir: string) => ["sops", "decrypt", join(dir, name)];
const withMetadata = (name: string, edit: (encrypted: string) => string) => (dir: string, encrypted: string) => file(dir, name, edit(encrypted));

export const exitCodeCases: readonly ExitCodeCase[] = [
  // metadata errors: sops reads them while loading the file, and every loading error is its generic 1
  { name: "decrypt, version not semver", setup: withMetadata("f.yaml", (e) => e.replace(/version: .*/, "version: notaversion")), args: decrypt("f.yaml"), sopsExits: 1 },
  { name: "decrypt, lastmodified not a time", setup: withMetadata("f.yaml", (e) => e.replace(/lastmodified: .*/, 'lastmodified: "yesterday"')), args: decrypt("f.yaml"), sopsExits: 1 },
  { name: "decrypt, no keys in the metadata", setup: withMetadata("f.yaml", (e) => e.replace(/ {4}age:\n(?: {8}.*\n| {6}.*\n)*/, "")), args: decrypt("f.yaml"), sopsExits: 1 },
  { name: "decrypt, sops entry not a mapping", setup: (d) => file(d, "f.yaml", "a: ENC[AES256_GCM,data:eA==,iv:eA==,tag:eA==,type:str]\nsops: 5\n"), args: decrypt("f.yaml"), sopsExits: 1 },
  // YAML / JSON syntax errors: 2 when reading a plaintext input, 1 when loading an encrypted file
  { name: "encrypt, YAML syntax error", setup: (d) => file(d, "f.yaml", "a: [1,\n"), args: (d, r) => ["sops", "encrypt", "--age", r, join(d, "f.yaml")], sopsExits: 2 },
  { name: "decrypt, YAML syntax error", setup: (d) => file(d, "f.yaml", "a: [1,\n"), args: decrypt("f.yaml"), sopsExits: 1 },
  { name: "filestatus, YAML syntax error", setup: (d) => file(d, "f.yaml", "a: [1,\n"), args: (d) => ["sops", "filestatus", join(d, "f.yaml")], sopsExits: 1 },
  { name: "decrypt, JSON syntax error", setup: (d) => file(d, "f.json", '{"a":'), args: decrypt("f.json"), sopsExits: 1 },
  // empty files
  { name: "encrypt, empty YAML", setup: (d) => file(d, "f.yaml", ""), args: (d, r) => ["sops", "encrypt", "--age", r, join(d, "f.yaml")], sopsExits: 92 },
  { name: "encrypt, YAML of comments only", setup: (d) => file(d, "f.yaml", "# nothing here\n"), args: (d, r) => ["sops", "encrypt", "--age", r, join(d, "f.yaml")], sopsExits: 2 },
  { name: "encrypt, YAML of blank lines only", setup: (d) => file(d, "f.yaml", "  \n\n"), args: (d, r) => ["sops", "encrypt", "--age", r, join(d, "f.yaml")], sopsExits: 2 },
  { name: "decrypt, empty YAML", setup: (d) => file(d, "f.yaml", ""), args: decrypt("f.yaml"), sopsExits: 1 },
  { name: "decrypt, YAML of comments only", setup: (d) => file(d, "f.yaml", "# nothing here\n"), args: decrypt("f.yaml"), sopsExits: 1 },
  { name: "filestatus, empty YAML (not encrypted)", setup: (d) => file(d, "f.yaml", ""), args: (d) => ["sops", "filestatus", join(d, "f.yaml")], sopsExits: 0 },
  { name: "decrypt, empty JSON", setup: (d) => file(d, "f.json", ""), args: decrypt("f.json"), sopsExits: 1 },
  { name: "filestatus, empty JSON", setup: (d) => file(d, "f.json", ""), args: (d) => ["sops", "filestatus", join(d, "f.json")], sopsExits: 1 },
  // filestatus on a missing file: sops does not check existence first, so it is a loading error
  { name: "filestatus, missing file", setup: () => undefined, args: (d) => ["sops", "filestatus", join(d, "missing.yaml")], sopsExits: 1 },
  { name: "decrypt, missing file", setup: () => undefined, args: decrypt("missing.yaml"), sopsExits: 100 },
  // editor failures: whatever way the editor fails, sops exits NoEditorFound
  { name: "edit, editor exits 3", setup: (d, e) => file(d, "f.yaml", e), args: (d) => ["sops", "edit", join(d, "f.yaml")], env: (d) => editor(d, "exit 3"), sopsExits: 201 },
  { name: "edit, editor killed", setup: (d, e) => file(d, "f.yaml", e), args: (d) => ["sops", "edit", join(d, "f.yaml")], env: (d) => editor(d, "kill -9 $$"), sopsExits: 201 },
  { name: "edit, editor not found", setup: (d, e) => file(d, "f.yaml", e), args: (d) => ["sops", "edit", join(d, "f.yaml")], env: (d) => ({ EDITOR: join(d, "no-such-editor"), SOPS_EDITOR: "" }), sopsExits: 201 },
];
