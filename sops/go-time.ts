/** The Go `time` parsing and formatting that sops relies on (yaml.v3 timestamps, RFC 3339, `MarshalText`). */

export interface GoTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Up to 9 fractional-second digits, as written (already truncated to nanoseconds). */
  fraction: string;
  /** Offset east of UTC in minutes. */
  offsetMinutes: number;
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function valid(p: GoTimeParts): boolean {
  return (
    p.month >= 1 && p.month <= 12 && p.day >= 1 && p.day <= daysIn(p.month, p.year) &&
    p.hour <= 23 && p.minute <= 59 && p.second <= 59
  );
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/**
 * Go `Format`: RFC3339Nano (`MarshalText`, fractional zeros trimmed) when `nanos`, else RFC3339 (seconds only).
 * The offset is kept; a zero offset is written `Z`.
 */
export function formatGoTime(p: GoTimeParts, nanos: boolean): string {
  let out = `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
  if (nanos) {
    const frac = p.fraction.slice(0, 9).replace(/0+$/, "");
    if (frac) out += "." + frac;
  }
  if (p.offsetMinutes === 0) return out + "Z";
  const abs = Math.abs(p.offsetMinutes);
  return `${out}${p.offsetMinutes < 0 ? "-" : "+"}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const STRICT_RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** Go's strict RFC 3339 parser (`time.Time.UnmarshalText`, `time.Parse(time.RFC3339, …)`). */
export function parseRfc3339(s: string): GoTimeParts | undefined {
  const m = STRICT_RFC3339.exec(s);
  if (!m) return undefined;
  const p: GoTimeParts = {
    year: Number(m[1]), month: Number(m[2]), day: Number(m[3]),
    hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]),
    fraction: (m[7] ?? "").slice(0, 9),
    offsetMinutes: 0,
  };
  if (m[8]) {
    const hh = Number(m[9]);
    const mm = Number(m[10]);
    if (hh > 23 || mm > 59) return undefined;
    p.offsetMinutes = (m[8] === "-" ? -1 : 1) * (hh * 60 + mm);
  }
  return valid(p) ? p : undefined;
}

const YAML_TS_ZONED = /^(\d{4})-(\d{1,2})-(\d{1,2})[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const YAML_TS_SPACED = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?$/;
const YAML_TS_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

/**
 * yaml.v3's `parseTimestamp`: the formats `2006-1-2T15:4:5.999999999Z07:00` (also with `t`), `2006-1-2 15:4:5.999999999`
 * (UTC) and `2006-1-2` (midnight UTC). Returns the `MarshalText` form, or undefined when `s` is not a timestamp.
 */
export function parseYamlTimestamp(s: string): string | undefined {
  if (s.length < 5 || s[4] !== "-") return undefined;
  let m = YAML_TS_ZONED.exec(s);
  let offsetMinutes = 0;
  if (m) {
    if (m[8]) {
      const hh = Number(m[9]);
      const mm = Number(m[10]);
      if (hh > 24 || mm > 59) return undefined;
      offsetMinutes = (m[8] === "-" ? -1 : 1) * (hh * 60 + mm);
    }
  } else {
    m = YAML_TS_SPACED.exec(s) ?? YAML_TS_DATE.exec(s);
    if (!m) return undefined;
  }
  const p: GoTimeParts = {
    year: Number(m[1]), month: Number(m[2]), day: Number(m[3]),
    hour: Number(m[4] ?? 0), minute: Number(m[5] ?? 0), second: Number(m[6] ?? 0),
    fraction: (m[7] ?? "").slice(0, 9),
    offsetMinutes,
  };
  return valid(p) ? formatGoTime(p, true) : undefined;
}
