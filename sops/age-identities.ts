/**
 * age identities for decryption, from the same places sops 3.11 looks, all combined: SOPS_AGE_KEY (the keys
 * themselves), SOPS_AGE_KEY_FILE (a path), SOPS_AGE_KEY_CMD (a command whose stdout holds the keys) and the default
 * `<user config dir>/sops/age/keys.txt`. SSH identities (sops 3.10+) are not supported here.
 */
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { createFileExclusive } from "./atomic-write";
import { looksLikeAgeIdentity, redactKeyMaterial } from "./redact";
import { splitShellWords } from "./shell-words";

export interface AgeIdentity {
  /** `AGE-SECRET-KEY-1…` (X25519) or `AGE-SECRET-KEY-PQ-1…` (post-quantum hybrid). */
  secretKey: string;
  /** Where it came from, e.g. `SOPS_AGE_KEY_FILE` or the path of keys.txt (never the key itself). */
  source: string;
}

export interface AgeIdentityLookup {
  identities: AgeIdentity[];
  /** Sources that failed to load, with the reason. */
  errors: string[];
  /** Sources that were not set or held no key (for the error message when nothing was found). */
  unused: string[];
}

export const SOPS_AGE_KEY_USER_CONFIG_PATH = join("sops", "age", "keys.txt");

/** Go's `os.UserConfigDir` (with sops's XDG_CONFIG_HOME preference on macOS). */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === "win32") {
    if (!env.AppData) throw new Error("%AppData% is not defined");
    return env.AppData;
  }
  const xdg = env.XDG_CONFIG_HOME;
  if (platform === "darwin") {
    if (xdg) return xdg;
    if (!env.HOME) throw new Error("$HOME is not defined");
    return join(env.HOME, "Library", "Application Support");
  }
  if (xdg) {
    if (!isAbsolute(xdg)) throw new Error(`path in $XDG_CONFIG_HOME is relative: ${xdg}`);
    return xdg;
  }
  if (!env.HOME) throw new Error("neither $XDG_CONFIG_HOME nor $HOME are defined");
  return join(env.HOME, ".config");
}

/** Where sops looks for the default identity file: `<user config dir>/sops/age/keys.txt`. */
export function defaultAgeKeyFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(userConfigDir(env), SOPS_AGE_KEY_USER_CONFIG_PATH);
}

/**
 * Parses an identity file as sops does: one identity per line, empty lines and `#` lines skipped, lines not
 * trimmed (a trailing CR is dropped, like Go's line scanner). Any bad line fails the whole source.
 */
export async function parseAgeIdentities(text: string, source: string): Promise<AgeIdentity[]> {
  if (text.trimStart().startsWith("-----BEGIN AGE ENCRYPTED FILE-----") || text.startsWith("age-encryption.org/")) {
    throw new Error(`${source}: passphrase-protected identity files are not supported here; decrypt it with age and use the plain key file`);
  }
  const out: AgeIdentity[] = [];
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].endsWith("\r") ? lines[n].slice(0, -1) : lines[n];
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("AGE-PLUGIN-")) throw new Error(`${source} line ${n + 1}: age plugin identities are not supported here`);
    if (!line.startsWith("AGE-SECRET-KEY-1") && !line.startsWith("AGE-SECRET-KEY-PQ-1")) {
      const hint = looksLikeAgeIdentity(line) ? "an identity must be upper case, unquoted and not indented" : "lines must not be indented";
      throw new Error(`${source} line ${n + 1}: unknown identity type (expected AGE-SECRET-KEY-1…; ${hint})`);
    }
    try {
      await identityToRecipient(line);
    } catch (e) {
      throw new Error(`${source} line ${n + 1}: malformed age identity (${redactKeyMaterial((e as Error).message)}); its text is not shown`);
    }
    out.push({ secretKey: line, source });
  }
  return out;
}

/** Runs SOPS_AGE_KEY_CMD. Its stderr and stdout are never quoted in errors: either may hold the keys. */
function runKeyCommand(command: string, env: NodeJS.ProcessEnv): Promise<string> {
  const args = splitShellWords(command);
  if (args.length === 0) return Promise.reject(new Error("the command is empty"));
  return new Promise((resolve, reject) => {
    execFile(args[0], args.slice(1), { env, maxBuffer: 1024 * 1024 }, (err, stdout) => {
      if (!err) return resolve(stdout);
      const e = err as NodeJS.ErrnoException & { code?: number | string; signal?: string | null };
      const why =
        typeof e.code === "number" ? `it exited with code ${e.code}` : e.signal ? `it was killed by ${e.signal}` : e.code === "ENOENT" ? "it was not found" : `it failed (${e.code ?? "unknown error"})`;
      reject(new Error(`${why}; its output is not shown because it may hold keys`));
    });
  });
}

/** Finds every identity sops 3.11 would use, and which sources failed or were empty. */
export async function lookupAgeIdentities(env: NodeJS.ProcessEnv = process.env): Promise<AgeIdentityLookup> {
  const texts: Array<{ source: string; text: string }> = [];
  const errors: string[] = [];
  const unused: string[] = [];

  if (env.SOPS_AGE_KEY !== undefined) texts.push({ source: "SOPS_AGE_KEY", text: env.SOPS_AGE_KEY });
  else unused.push("SOPS_AGE_KEY");

  if (env.SOPS_AGE_KEY_FILE !== undefined) {
    try {
      texts.push({ source: "SOPS_AGE_KEY_FILE", text: await fs.readFile(env.SOPS_AGE_KEY_FILE, "utf8") });
    } catch (e) {
      errors.push(`failed to open SOPS_AGE_KEY_FILE file: ${(e as Error).message}`);
    }
  } else unused.push("SOPS_AGE_KEY_FILE");

  if (env.SOPS_AGE_KEY_CMD !== undefined) {
    try {
      texts.push({ source: "SOPS_AGE_KEY_CMD", text: await runKeyCommand(env.SOPS_AGE_KEY_CMD, env) });
    } catch (e) {
      errors.push(redactKeyMaterial(`failed to execute command ${env.SOPS_AGE_KEY_CMD} from SOPS_AGE_KEY_CMD: ${(e as Error).message}`));
    }
  } else unused.push("SOPS_AGE_KEY_CMD");

  let defaultPath: string | undefined;
  try {
    defaultPath = defaultAgeKeyFilePath(env);
  } catch (e) {
    if (texts.length === 0) errors.push(`user config directory could not be determined: ${(e as Error).message}`);
  }
  if (defaultPath !== undefined) {
    try {
      texts.push({ source: defaultPath, text: await fs.readFile(defaultPath, "utf8") });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") errors.push(`failed to open file: ${(e as Error).message}`);
      else if (texts.length === 0) unused.push(defaultPath);
    }
  }

  const identities: AgeIdentity[] = [];
  for (const { source, text } of texts) {
    try {
      const ids = await parseAgeIdentities(text, source);
      if (ids.length === 0) unused.push(source);
      identities.push(...ids);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  return { identities, errors, unused };
}

/** The identities sops 3.11 would use (see `lookupAgeIdentities` for the failures). */
export async function loadAgeIdentities(env: NodeJS.ProcessEnv = process.env): Promise<AgeIdentity[]> {
  return (await lookupAgeIdentities(env)).identities;
}

/** Identities given directly (e.g. from configuration): each string may hold several lines. */
export async function identitiesFromStrings(keys: readonly string[], source = "the given identities"): Promise<AgeIdentity[]> {
  const out: AgeIdentity[] = [];
  for (const k of keys) out.push(...(await parseAgeIdentities(k, source)));
  return out;
}

/** A new X25519 identity and its recipient. */
export async function generateAgeIdentity(): Promise<{ identity: string; recipient: string }> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** The recipient (`age1…`) of an identity (`AGE-SECRET-KEY-1…`). */
export async function recipientOf(identity: string): Promise<string> {
  try {
    return await identityToRecipient(identity.trim());
  } catch (e) {
    throw new Error(`not a valid age identity (expected AGE-SECRET-KEY-1…): ${redactKeyMaterial((e as Error).message)}`);
  }
}

/** An identity file in age-keygen's layout. */
export function formatAgeKeyFile(identity: string, recipient: string, created: Date = new Date()): string {
  const when = created.toISOString().replace(/\.\d{3}Z$/, "Z");
  return `# created: ${when}\n# public key: ${recipient}\n${identity}\n`;
}

/**
 * Makes sure the default keys.txt holds an identity: reads the first one if present, otherwise creates the file
 * (0600, in a 0700 folder) with a new X25519 identity.
 */
export async function ensureDefaultAgeIdentity(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ path: string; recipient: string; created: boolean }> {
  const path = defaultAgeKeyFilePath(env);
  const existing = await readExistingDefaultIdentity(path);
  if (existing !== undefined) return { path, recipient: existing, created: false };
  await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await fs.chmod(dirname(path), 0o700);
  const { identity, recipient } = await generateAgeIdentity();
  // exclusive create: when another process created it meanwhile, its identity is the one, and is re-read
  if (await createFileExclusive(path, formatAgeKeyFile(identity, recipient), 0o600)) return { path, recipient, created: true };
  const winner = await readExistingDefaultIdentity(path);
  if (winner === undefined) throw new Error(`the age key file ${path} was created concurrently but cannot be read back`);
  return { path, recipient: winner, created: false };
}

/** The recipient of the first identity in keys.txt, `undefined` when the file does not exist. */
async function readExistingDefaultIdentity(path: string): Promise<string | undefined> {
  let existing: string;
  try {
    existing = await fs.readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`cannot read the age key file ${path}: ${(e as Error).message}`);
  }
  const ids = await parseAgeIdentities(existing, path);
  if (ids.length === 0) throw new Error(`the age key file ${path} exists but holds no identity; add one (age-keygen >> ${path}) or move the file away`);
  return identityToRecipient(ids[0].secretKey);
}
