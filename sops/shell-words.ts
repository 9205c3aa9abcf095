/** Splits a command line into words as google/shlex does (used by sops for SOPS_AGE_KEY_CMD): POSIX-like quoting. */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else if (c === "#" && !inWord) {
      while (i < line.length && line[i] !== "\n") i++;
    } else if (c === "\\") {
      if (i + 1 >= line.length) throw new Error("EOF found after escape character");
      word += line[++i];
      inWord = true;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error("EOF found when expecting closing quote");
      word += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === "\\" && i + 1 < line.length && ['"', "\\", "$", "`", "\n"].includes(line[i + 1])) i++;
        word += line[i++];
      }
      if (i >= line.length) throw new Error("EOF found when expecting closing quote");
      inWord = true;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
