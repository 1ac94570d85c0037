/**
 * The words of one command, before any meaning: the command word behind assignments and
 * wrappers (`sudo`, `env`, `poetry run` …), a word's base name, whether a word is a plain
 * relative path, an operand's value. Every other command model builds on these.
 */
export interface CommandHead {
  /** Index of the command word. */
  index: number;
  /** Leading `NAME=value` assignments (and `env NAME=value`). */
  env: Map<string, string>;
}

/** Skip assignments and wrappers (`sudo`, `env`, `exec`, `nohup`, `time`, `poetry run`, `uv run` …). */
export function commandHead(argv: readonly string[]): CommandHead | undefined {
  const env = new Map<string, string>();
  let i = 0;
  const assign = (w: string): boolean => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(w);
    if (m) env.set(m[1] as string, m[2] as string);
    return m !== null;
  };
  while (i < argv.length) {
    const w = argv[i] as string;
    if (assign(w)) i++;
    else if (w === 'sudo') {
      i++;
      while (argv[i]?.startsWith('-')) i += argv[i] === '-u' || argv[i] === '-g' ? 2 : 1;
    } else if (w === 'env') {
      i++;
      while (argv[i]?.startsWith('-')) i++;
    } else if (w === 'exec' || w === 'nohup' || w === 'time' || w === 'command') i++;
    else if (['poetry', 'uv', 'pipenv', 'pdm', 'hatch', 'rye'].includes(w) && argv[i + 1] === 'run') {
      i += 2;
      // `uv run --with x` and friends: options of the runner itself.
      while (argv[i]?.startsWith('-')) {
        if (/^--(directory|project|cwd)/.test(argv[i] as string)) return undefined; // changes directory: not followed
        i += /^--(with|python|env-file|group|extra|package|index|frozen)$/.test(argv[i] as string) ? 2 : 1;
      }
    } else break;
  }
  if (i >= argv.length) return undefined;
  return { index: i, env };
}

/** The last segment of a command word (`/usr/bin/python3` → `python3`). */
export function baseName(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}

/** A relative path with no variables, globs, placeholders, home or URL. */
export function isPlainPath(p: string): boolean {
  return p.length > 0 && !/[$*?<>{}[\]|~`"'\\]|^[-/]|:\/\//.test(p);
}

/** The value of an operand word, without an inline `--flag=` prefix. */
export function operandValue(word: string): string {
  return /^--[\w-]+=/.test(word) ? word.slice(word.indexOf('=') + 1) : word;
}
