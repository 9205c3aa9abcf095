#!/usr/bin/env node
// Writes talos/patches/config-schema/<contract>.json: the documented fields of every config document kind,
// in Talos's field order, taken from the JSON schema machinery ships (pkg/machinery/config/schemas/
// config.schema.json) at the version each talos-oracle contract pins.
//
//   node test/compat/extract-config-schema.mjs      (needs Go: `go mod download` puts machinery in the module cache)
//
// Node format: 0 = a scalar, 1 = free-form YAML (any keys), {"p": {field: node}} = a struct, {"m": node} = a
// map with any keys whose values are node; lists are transparent (a node describes the list's items).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "../../talos/patches/config-schema");
const CONTRACTS = { "v1.11": "v1.11.5", "v1.12": "v1.12.7", "v1.13": "v1.13.9", "v1.14": "v1.14.1" };

function machineryDir(version) {
  const json = execFileSync("go", ["mod", "download", "-json", `github.com/siderolabs/talos/pkg/machinery@${version}`], {
    encoding: "utf8",
    env: { ...process.env, GOFLAGS: "-mod=mod", GOSUMDB: "off" },
  });
  return JSON.parse(json).Dir;
}

function compact(schema, defs, depth = 0) {
  if (depth > 40) return 1;
  if (schema.$ref) return compact(defs[schema.$ref.replace("#/$defs/", "")], defs, depth + 1);
  if (schema.type === "array" || schema.items) return schema.items ? compact(schema.items, defs, depth + 1) : 1;
  if (schema.properties && Object.keys(schema.properties).length > 0) {
    const p = {};
    for (const [name, child] of Object.entries(schema.properties)) p[name] = compact(child, defs, depth + 1);
    return { p };
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    return { m: compact(schema.additionalProperties, defs, depth + 1) };
  }
  if (schema.type === "object" || schema.additionalProperties === true || schema.oneOf || schema.anyOf) return 1;
  return 0;
}

for (const [contract, version] of Object.entries(CONTRACTS)) {
  const schema = JSON.parse(readFileSync(join(machineryDir(version), "config/schemas/config.schema.json"), "utf8"));
  const defs = schema.$defs;
  const kinds = {};
  for (const { $ref } of schema.oneOf) {
    const def = defs[$ref.replace("#/$defs/", "")];
    const kind = def.properties.kind?.enum?.[0] ?? "v1alpha1";
    kinds[kind] = compact(def, defs);
  }
  const sorted = Object.fromEntries(Object.keys(kinds).sort().map((k) => [k, kinds[k]]));
  writeFileSync(join(out, `${contract}.json`), JSON.stringify({ machinery: version, kinds: sorted }) + "\n");
  console.log(`${contract}: ${Object.keys(kinds).length} kinds from machinery ${version}`);
}
