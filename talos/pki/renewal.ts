import { X509Certificate } from "node:crypto";

const DAY_MS = 86_400_000;
/** Client certificates are renewed when less than this is left (the Terraform provider's one month). */
export const RENEW_BEFORE_MS = 30 * DAY_MS;

export interface CertificateSummary {
  readonly certificate: X509Certificate;
  readonly notAfter: Date;
  readonly organizations: readonly string[];
  readonly commonName: string | undefined;
}

/** Parses a PEM certificate's validity and subject; undefined when it does not parse. */
export function certificateSummary(pem: string): CertificateSummary | undefined {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    return undefined;
  }
  const lines = certificate.subject.split("\n");
  return {
    certificate,
    notAfter: new Date(certificate.validTo),
    organizations: lines.filter((l) => l.startsWith("O=")).map((l) => l.slice(2)).sort(),
    commonName: lines.find((l) => l.startsWith("CN="))?.slice(3),
  };
}

/** True when under 30 days are left at `now` (or the certificate has expired). */
export function renewalDue(summary: CertificateSummary, now: Date): boolean {
  return summary.notAfter.getTime() - now.getTime() < RENEW_BEFORE_MS;
}
