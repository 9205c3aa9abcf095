import { bech32 } from "@scure/base";
import { looksLikeAgeIdentity } from "../sops/redact";

/** Checks an age recipient string (X25519 `age1...` or post-quantum `age1pq1...`); returns a problem or undefined. */
export function ageRecipientProblem(recipient: string): string | undefined {
  if (looksLikeAgeIdentity(recipient)) {
    return "is an age identity (secret key), not a recipient: put its public `age1...` recipient here and keep the identity secret";
  }
  if (!recipient.startsWith("age1")) return "is not an age recipient: it must start with `age1`";
  try {
    const decoded = bech32.decode(recipient as `${string}1${string}`, 2000);
    if (decoded.prefix === "age" && bech32.fromWords(decoded.words).length !== 32) {
      return "has the wrong length for an X25519 age recipient (32-byte key expected)";
    }
    if (decoded.prefix !== "age" && decoded.prefix !== "age1pq") {
      return `has an unknown age recipient type "${decoded.prefix}"`;
    }
    return undefined;
  } catch {
    return "is not a valid age recipient (bech32 checksum or characters are wrong); copy it again from `age-keygen -y`";
  }
}
