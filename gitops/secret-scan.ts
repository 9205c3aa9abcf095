/**
 * The secret scanner of `check`: secretlint with its recommended preset (GitHub/GitLab/AWS/GCP/Slack/... tokens,
 * private keys, credentials in URLs) plus the project's own rules (secret-patterns.ts: SOPS/age, Talos, Proxmox,
 * plaintext Kubernetes Secrets), on the text and inside base64 blobs that decode to text. Loaded only by `check`.
 */
import { lintSource } from "@secretlint/core";
import { secretLintProfiler } from "@secretlint/profiler";
import { creator as recommendedPreset } from "@secretlint/secretlint-rule-preset-recommend";
import type { SecretLintCoreConfig, SecretLintCoreResultMessage } from "@secretlint/types";
import { base64Blobs } from "./base64-blobs";
import { MAX_BASE64_DEPTH, findPlaintextSecrets, type PlaintextSecretOptions, type SecretMatch } from "./secret-patterns";

const PRESET_ID = "@secretlint/secretlint-rule-preset-recommend";

const CONFIG: SecretLintCoreConfig = {
  rules: [
    {
      id: PRESET_ID,
      rule: recommendedPreset,
      // a guard that a comment in the guarded file turns off guards nothing: `secretlint-disable` is not honoured
      rules: [{ id: "@secretlint/secretlint-rule-filter-comments", disabled: true }],
    },
  ],
};

/** secretlint's rules that our own rules already cover, by the id of ours (one finding per line and kind). */
const COVERED_BY_OURS: Readonly<Record<string, string>> = { "@secretlint/secretlint-rule-privatekey": "talos-homelab/private-key" };

/** Public, fixed prefixes of token formats: the only characters of a match a hint may show. */
const PUBLIC_PREFIX = /^(?:gh[pousr]_|github_pat_|glpat-|gl[a-z]{2,5}-|xox[abposr]-|sk-(?:ant-|proj-)?|npm_|hf_|AKIA|ASIA|AIza|SG\.|shp(?:at|ss|ca|pa)_|lin_api_|dop_v1_|tskey-|hvs\.|dapi|pat-|figd_|ops_|gsk_|-----BEGIN [A-Z ]+-----)/;

function hintOf(matched: string): string {
  const prefix = PUBLIC_PREFIX.exec(matched)?.[0];
  return prefix === undefined ? `${matched.length} characters` : `${prefix}… (${matched.length} characters)`;
}

/**
 * The rule's message without the secret. secretlint's own masking (`maskSecrets`) stars every value it was given,
 * the token's type name too; here every value that comes from the scanned text (the match and any part of it the
 * rule quotes) is cut out instead, and the message ends where the first of them stood.
 */
function whatOf(message: SecretLintCoreResultMessage, text: string): string {
  const quoted = [text.slice(message.range[0], message.range[1])];
  for (const value of Object.values(message.data ?? {})) {
    if (typeof value === "string" && value.length >= 4 && text.includes(value)) quoted.push(value);
  }
  let cut = message.message.length;
  for (const value of quoted) {
    const at = value === "" ? -1 : message.message.indexOf(value);
    if (at >= 0) cut = Math.min(cut, at);
  }
  const kept = message.message.slice(0, cut).replace(/[\s:,=(]+$/, "").replace(/^found /, "");
  return `${kept} (secretlint ${message.ruleId.replace(/^@secretlint\/secretlint-rule-/, "")})`;
}

async function secretlintMatches(text: string, filePath: string): Promise<SecretMatch[]> {
  secretLintProfiler.setEnabled(false);
  const result = await lintSource({
    source: { content: text, filePath, contentType: "text" },
    options: { config: CONFIG, maskSecrets: false, noPhysicFilePath: true, locale: "en" },
  });
  return result.messages.map((m) => ({
    line: m.loc.start.line,
    what: whatOf(m, text),
    rule: COVERED_BY_OURS[m.ruleId] ?? m.ruleId,
    hint: hintOf(text.slice(m.range[0], m.range[1])),
  }));
}

/**
 * secretlint on the text, then on every base64 blob that decodes to text. The blobs of one layer are linted as one
 * text (a blank line between them, so no match spans two), one engine run per layer instead of one per blob.
 */
async function secretlintWithDecoded(text: string, filePath: string, depth: number): Promise<SecretMatch[]> {
  const matches = await secretlintMatches(text, filePath);
  if (depth >= MAX_BASE64_DEPTH) return matches;
  const blobs = base64Blobs(text);
  if (blobs.length === 0) return matches;
  const firstLines: number[] = [];
  let line = 1;
  for (const blob of blobs) {
    firstLines.push(line);
    line += blob.decoded.split("\n").length + 1;
  }
  const joined = blobs.map((b) => b.decoded).join("\n\n");
  for (const inner of await secretlintWithDecoded(joined, filePath, depth + 1)) {
    const index = lastAtOrBefore(firstLines, inner.line);
    matches.push({ ...inner, line: blobs[index].line, what: `${inner.what}, base64-encoded` });
  }
  return matches;
}

/** The index of the last value of the ascending `values` that is <= `target`. */
function lastAtOrBefore(values: readonly number[], target: number): number {
  let low = 0;
  let high = values.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (values[mid] <= target) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** Every secret found in `text` (the content of `filePath`), at most one per line and rule, sorted by line. */
export async function scanForSecrets(text: string, filePath: string, opts: PlaintextSecretOptions = {}): Promise<SecretMatch[]> {
  const ours = findPlaintextSecrets(text, opts);
  const seen = new Set(ours.map((m) => `${m.line}\0${m.rule}`));
  const theirs = (await secretlintWithDecoded(text, filePath, 0)).filter((m) => {
    const key = `${m.line}\0${m.rule}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return [...ours, ...theirs].sort((a, b) => a.line - b.line);
}
