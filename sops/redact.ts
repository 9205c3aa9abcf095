/**
 * The one redaction every error and log line goes through before it is printed: age identities in any spelling
 * (any case, `-`/`_`/space separators, spaces after the `1`, post-quantum ones) become a fixed marker, so no
 * message can carry key material even when the text it quotes was mangled (issue 16 item 4).
 */
const AGE_IDENTITY = /age[-_ ]?secret[-_ ]?key[-_ ]?(?:pq[-_ ]?)?1\s*[0-9a-z]*/gi;
/**
 * A standalone run of bech32 characters as long as a key's payload, e.g. what a parser quotes back without the prefix
 * (recipients, `age1…`, are not standalone: the run after `1` is preceded by a letter or digit).
 */
const BECH32_RUN = /(?<![0-9a-z])[02-9ac-hj-np-z]{50,}/gi;

export const REDACTED_IDENTITY = "AGE-SECRET-KEY-…(redacted)";

export function redactKeyMaterial(text: string): string {
  return text.replace(AGE_IDENTITY, REDACTED_IDENTITY).replace(BECH32_RUN, "…(redacted)");
}

/** Whether `text` holds an age identity in any spelling (surrounding quotes and blanks ignored). */
export function looksLikeAgeIdentity(text: string): boolean {
  AGE_IDENTITY.lastIndex = 0;
  const found = AGE_IDENTITY.test(text);
  AGE_IDENTITY.lastIndex = 0;
  return found;
}

/** A value the user gave as an age recipient, as a message may quote it: an identity becomes the marker, whole. */
export function shownAgeValue(text: string): string {
  return looksLikeAgeIdentity(text) ? REDACTED_IDENTITY : redactKeyMaterial(text);
}
