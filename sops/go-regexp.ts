/** Compiles a Go RE2 pattern (as used in sops rules) to an equivalent JavaScript RegExp for unanchored search. */

const POSIX_CLASSES: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

const cache = new Map<string, RegExp>();

export function goRegexp(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let source = pattern;
  let flags = "u";
  const leading = /^\(\?([imsU]+)\)/.exec(source);
  if (leading) {
    source = source.slice(leading[0].length);
    for (const f of leading[1]) {
      if (f === "i" || f === "m" || f === "s") flags += f;
    }
  }
  source = source
    .replace(/\(\?P</g, "(?<")
    .replace(/\\A/g, "^")
    .replace(/\\z/g, "$(?![\\s\\S])")
    .replace(/\[:(\^?)([a-z]+):\]/g, (whole, neg: string, name: string) => {
      const cls = POSIX_CLASSES[name];
      if (!cls) return whole;
      return neg ? `^${cls}` : cls;
    });
  let re: RegExp;
  try {
    re = new RegExp(source, flags);
  } catch {
    // Go accepts escapes such as `\-` or `\_` outside classes that the `u` flag rejects.
    re = new RegExp(source, flags.replace("u", ""));
  }
  cache.set(pattern, re);
  return re;
}
