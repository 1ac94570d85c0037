/**
 * A small POSIX-ish word splitter with offsets, for commands found inside other files (compose
 * `command:`, Dockerfile shell form, code fences). It is not a shell: it splits words, honours
 * quotes and backslash-newline continuations, and marks control operators.
 */
export interface ShellWord {
  /** The word after quote removal. */
  value: string;
  /** Span of the raw word in the input. */
  start: number;
  end: number;
  /** `&&`, `||`, `;`, `|`, `&` or a newline. */
  operator?: boolean;
}

export function splitShell(input: string, base = 0): ShellWord[] {
  const words: ShellWord[] = [];
  let i = 0;
  const n = input.length;
  while (i < n) {
    const c = input[i] as string;
    if (c === '\\' && input[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\n' || c === ';' || c === '&' || c === '|') {
      const two = input.slice(i, i + 2);
      const op = two === '&&' || two === '||' ? two : c;
      words.push({ value: op, start: base + i, end: base + i + op.length, operator: true });
      i += op.length;
      continue;
    }
    if (c === '#') {
      while (i < n && input[i] !== '\n') i++;
      continue;
    }
    const start = i;
    let value = '';
    while (i < n) {
      const ch = input[i] as string;
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === ';' || ch === '&' || ch === '|') break;
      if (ch === '\\') {
        if (input[i + 1] === '\n') {
          i += 2;
          continue;
        }
        value += input[i + 1] ?? '';
        i += 2;
        continue;
      }
      if (ch === "'") {
        const close = input.indexOf("'", i + 1);
        const endQ = close === -1 ? n : close;
        value += input.slice(i + 1, endQ);
        i = endQ + 1;
        continue;
      }
      if (ch === '"') {
        i++;
        while (i < n && input[i] !== '"') {
          if (input[i] === '\\' && i + 1 < n && '"\\$`\n'.includes(input[i + 1] as string)) {
            if (input[i + 1] !== '\n') value += input[i + 1];
            i += 2;
          } else {
            value += input[i];
            i++;
          }
        }
        i++;
        continue;
      }
      value += ch;
      i++;
    }
    words.push({ value, start: base + start, end: base + Math.min(i, n) });
  }
  return words;
}

/** Split a word list into simple commands at control operators. */
export function simpleCommands(words: ShellWord[]): ShellWord[][] {
  const out: ShellWord[][] = [[]];
  for (const w of words) {
    if (w.operator) out.push([]);
    else out[out.length - 1]?.push(w);
  }
  return out.filter((c) => c.length > 0);
}

export type ServerName = 'uvicorn' | 'gunicorn' | 'hypercorn';

export interface ServerInvocation {
  server: ServerName;
  /** Index of the app target word (`module:attr`), when one is given. */
  targetIndex: number | undefined;
  /** Leading `NAME=value` assignments, e.g. `PYTHONPATH=src`. */
  env: Map<string, string>;
  /** Extra import roots given on the command line (uvicorn --app-dir, gunicorn --pythonpath). */
  importDirs: string[];
  /** A working directory change (gunicorn --chdir, or a `cd` earlier in the same script). */
  chdir: string | undefined;
  /** A server config file (`-c`/`--config`) that may change the import path; not read. */
  config: string | undefined;
  /** The port it listens on, and the word that holds it. */
  port: { value: string; index: number } | undefined;
}

const SERVERS: readonly ServerName[] = ['uvicorn', 'gunicorn', 'hypercorn'];
/** Options whose next word is a value, never an app target. */
const VALUE_OPTIONS = new Set([
  '-b', '--bind', '-k', '--worker-class', '-c', '--config', '--env-file', '--log-config', '--uds', '--root-path',
  '--host', '--port', '-w', '--workers', '--log-level', '-t', '--timeout', '--threads', '--app-dir', '--chdir',
  '--pythonpath', '--reload-dir', '--reload-include', '--reload-exclude', '-e', '--env', '--access-logfile',
  '--error-logfile', '--certfile', '--keyfile', '--ssl-keyfile', '--ssl-certfile', '--loop', '--http', '--ws',
  '--lifespan', '--interface', '--limit-concurrency', '--backlog', '--forwarded-allow-ips', '--header', '-n', '--name',
]);

/**
 * Find `uvicorn …`, `gunicorn …`, `hypercorn …` or `python -m uvicorn …` in one simple
 * command's argv, with its target and the options that change where modules are found.
 */
export function findServerInvocation(argv: string[]): ServerInvocation | undefined {
  const env = new Map<string, string>();
  let i = 0;
  for (; i < argv.length; i++) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(argv[i] as string);
    if (!m) break;
    env.set(m[1] as string, m[2] as string);
  }
  // `env A=b cmd`, `exec cmd`, `poetry run cmd`, `uv run cmd`, `pipenv run cmd`
  while (i < argv.length) {
    const w = argv[i] as string;
    if (w === 'exec' || w === 'env') i++;
    else if ((w === 'poetry' || w === 'uv' || w === 'pipenv' || w === 'pdm' || w === 'hatch') && argv[i + 1] === 'run') i += 2;
    else {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(w);
      if (!m) break;
      env.set(m[1] as string, m[2] as string);
      i++;
    }
  }
  // The server must be the command itself: `echo uvicorn …` or `pip install uvicorn` run nothing.
  let server: ServerName | undefined;
  const w = argv[i] ?? '';
  const base = w.slice(w.lastIndexOf('/') + 1);
  if ((SERVERS as readonly string[]).includes(base)) {
    server = base as ServerName;
  } else if (/^python(\d(\.\d+)?)?$/.test(base) && argv[i + 1] === '-m' && (SERVERS as readonly string[]).includes(argv[i + 2] ?? '')) {
    server = argv[i + 2] as ServerName;
    i += 2;
  }
  if (!server) return undefined;
  const result: ServerInvocation = { server, targetIndex: undefined, env, importDirs: [], chdir: undefined, config: undefined, port: undefined };
  for (let j = i + 1; j < argv.length; j++) {
    const w = argv[j] as string;
    const [flag, inline] = w.startsWith('--') && w.includes('=') ? [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)] : [w, undefined];
    if (flag.startsWith('-')) {
      const value = inline ?? argv[j + 1];
      if (flag === '--app-dir' && value !== undefined) result.importDirs.push(value);
      if (flag === '--pythonpath' && value !== undefined) result.importDirs.push(...value.split(','));
      if (flag === '--chdir' && value !== undefined) result.chdir = value;
      if ((flag === '-c' || flag === '--config') && value !== undefined) result.config = value;
      if (flag === '--port' && value !== undefined) result.port = { value, index: inline === undefined ? j + 1 : j };
      if (inline === undefined && VALUE_OPTIONS.has(flag)) j++;
      continue;
    }
    if (result.targetIndex === undefined && /^[A-Za-z_][\w.]*:[A-Za-z_]\w*(\(.*\))?$/.test(w)) result.targetIndex = j;
  }
  return result;
}

export interface FoundInvocation {
  /** The argv the invocation indexes (the inner command of an `sh -c` script). */
  argv: string[];
  inv: ServerInvocation;
}

/**
 * The server invocations of an argv, looking through `sh -c "…"` scripts, where a `cd` before
 * the server becomes its working-directory change. `find` recognises one simple command.
 */
export function serverInvocations(argv: string[], find: (argv: string[]) => ServerInvocation | undefined = findServerInvocation): FoundInvocation[] {
  const shellIndex = argv.findIndex((w, i) => /^(\/(usr\/)?bin\/)?(ba|da|z)?sh$/.test(w) && argv[i + 1] === '-c');
  if (shellIndex === -1 || argv[shellIndex + 2] === undefined) {
    const inv = find(argv);
    return inv ? [{ argv, inv }] : [];
  }
  const out: FoundInvocation[] = [];
  let cd: string | undefined;
  for (const cmd of simpleCommands(splitShell(argv[shellIndex + 2] as string))) {
    const words = cmd.map((w) => w.value);
    if (words[0] === 'cd') {
      cd = words[1] === undefined ? undefined : cd === undefined || words[1].startsWith('/') ? words[1] : `${cd}/${words[1]}`;
      continue;
    }
    for (const found of serverInvocations(words, find)) {
      if (cd !== undefined) found.inv.chdir = found.inv.chdir === undefined ? cd : `${cd}/${found.inv.chdir}`;
      out.push(found);
    }
  }
  return out;
}
