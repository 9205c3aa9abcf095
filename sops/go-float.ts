/** Go `strconv.FormatFloat(v, 'f' | 'g', -1, 64)` for float64, built on JS's shortest round-trip digits. */

/** The shortest digits that round-trip `v` (same choice as Go's shortest mode) and the decimal point position. */
function shortestDigits(v: number): { digits: string; pointPos: number } {
  const [mantissa, exp] = Math.abs(v).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  return { digits, pointPos: Number(exp) + 1 };
}

function special(v: number): string | undefined {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return undefined;
}

function sign(v: number): string {
  return v < 0 || Object.is(v, -0) ? "-" : "";
}

/** `FormatFloat(v, 'f', -1, 64)`: never an exponent (`1e21` → `1000000000000000000000`, `-0` → `-0`). */
export function formatFloatF(v: number): string {
  const s = special(v);
  if (s) return s;
  if (v === 0) return sign(v) + "0";
  const { digits, pointPos } = shortestDigits(v);
  let out: string;
  if (pointPos <= 0) out = "0." + "0".repeat(-pointPos) + digits;
  else if (pointPos >= digits.length) out = digits + "0".repeat(pointPos - digits.length);
  else out = digits.slice(0, pointPos) + "." + digits.slice(pointPos);
  return sign(v) + out;
}

/** `FormatFloat(v, 'g', -1, 64)`: exponent form when the exponent is < -4 or >= 6 (`1e+06`, `1.5e-07`). */
export function formatFloatG(v: number): string {
  const s = special(v);
  if (s) return s;
  if (v === 0) return sign(v) + "0";
  const { digits, pointPos } = shortestDigits(v);
  const exp = pointPos - 1;
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
    const e = Math.abs(exp);
    return `${sign(v)}${mant}e${exp < 0 ? "-" : "+"}${e < 10 ? "0" + e : e}`;
  }
  return formatFloatF(v);
}
