/**
 * The age master key of sops: the 32-byte data key (or a 33-byte Shamir share) wrapped as one armored age file per
 * recipient, and unwrapped with whatever identities are available.
 */
import { Decrypter, Encrypter, armor } from "age-encryption";
import type { AgeIdentity } from "./age-identities";
import { looksLikeAgeIdentity, redactKeyMaterial } from "./redact";

export type AgeRecipientKind = "x25519" | "pq-hybrid";

/** Classifies a recipient string; throws a clear error naming it when it is of a kind this implementation cannot use. */
export function ageRecipientKind(recipient: string): AgeRecipientKind {
  const r = recipient.trim();
  if (r.startsWith("ssh-")) {
    throw new Error(`age recipient ${JSON.stringify(r)} is an SSH key; SSH recipients are not supported here. Use an age1… recipient (age-keygen -y converts an identity).`);
  }
  if (r.startsWith("age1pq1")) return "pq-hybrid";
  // bech32 data never contains "1", so a second "1" marks a plugin recipient (age1<plugin>1…), as sops decides
  if (r.startsWith("age1") && r.slice(4).includes("1")) {
    throw new Error(`age recipient ${JSON.stringify(r)} is an age plugin recipient; plugins are not supported here. Use an age1… X25519 or age1pq1… recipient.`);
  }
  if (r.startsWith("age1")) return "x25519";
  if (looksLikeAgeIdentity(r)) {
    throw new Error("an age identity (secret key, not shown) was given as a recipient: use its public age1… recipient (age-keygen -y) and keep the identity secret");
  }
  throw new Error(`${JSON.stringify(redactKeyMaterial(r))} is not an age recipient: expected age1… (X25519) or age1pq1… (post-quantum hybrid)`);
}

/** Validates a recipient by parsing it the way encryption will; throws naming the recipient. */
export function assertValidAgeRecipient(recipient: string): void {
  ageRecipientKind(recipient);
  try {
    new Encrypter().addRecipient(recipient.trim());
  } catch (e) {
    throw new Error(`invalid age recipient ${JSON.stringify(recipient.trim())}: ${(e as Error).message}. Copy the full "# public key: age1…" line from your key file.`);
  }
}

/** A one-chunk stream of `bytes`. */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

/**
 * Reads a stream to the end. age-encryption does this with `new Response(stream)` when given bytes, and the first use
 * of `Response` loads Node's fetch implementation (~15 ms of start-up): giving it streams and reading them here avoids that.
 */
async function readStream(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    chunks.push(value);
  }
}

/** Wraps `key` for one recipient: an armored age file (with trailing newline) whose plaintext is exactly `key`. */
export async function wrapForAgeRecipient(key: Uint8Array, recipient: string): Promise<string> {
  assertValidAgeRecipient(recipient);
  const e = new Encrypter();
  e.addRecipient(recipient.trim());
  return armor.encode(await readStream(await e.encrypt(streamOf(key))));
}

/** Unwraps an armored age file with `identities`; throws when none of them matches (message from age). */
export async function unwrapWithAgeIdentities(enc: string, identities: readonly AgeIdentity[]): Promise<Buffer> {
  if (identities.length === 0) throw new Error("no age identities available");
  const d = new Decrypter();
  for (const id of identities) d.addIdentity(id.secretKey);
  let file: Uint8Array;
  try {
    file = armor.decode(enc);
  } catch (e) {
    throw new Error(`the age-encrypted data key is not a valid armored age file: ${(e as Error).message}`);
  }
  return readStream(await d.decrypt(streamOf(file)));
}
