/** Test-only age key pair, made with age-keygen v1.2.1 (the Go reference), so the recipient is not our own output. */
export const TEST_IDENTITY_FILE = `# created: 2026-11-24T19:37:25Z
# public key: age14whnfgzqdxjuu7xcf9nge82qpev64z48v9q49wz82ffnetqzd3fqvlxdzz
AGE-SECRET-KEY-19422FJYTNP03VK6JMNKWMNZGYY4T64Z4DNKPLJSKCSV5U952FRRSUF2Q5V
`;
export const TEST_IDENTITY = "AGE-SECRET-KEY-19422FJYTNP03VK6JMNKWMNZGYY4T64Z4DNKPLJSKCSV5U952FRRSUF2Q5V";
export const TEST_RECIPIENT = "age14whnfgzqdxjuu7xcf9nge82qpev64z48v9q49wz82ffnetqzd3fqvlxdzz";
/** An operator/DR recipient (public only). */
export const OPERATOR_RECIPIENT = "age1c663xumu5slemp8he6t3llgz3tu3pxnf2uv3esj07jhwrhv26fnqxy5nc5";

export const TEST_SSH_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
not-a-real-key
-----END OPENSSH PRIVATE KEY-----`;
export const TEST_KNOWN_HOSTS = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
