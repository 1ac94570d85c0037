/**
 * What one command reads and creates: the script or module a `python` runs, the words that
 * name files it reads (so they must exist: `-f`, `-r`, `source`, `cat` …), and the repo paths
 * it creates (redirects, `cp`, `mkdir`, `git clone`, downloads; env-example-missing reads
 * these too).
 */
import path from 'node:path/posix';
import { baseName, commandHead, isPlainPath } from './command-head.js';
import { composeRun } from './compose-command.js';

export interface PythonRun {
  kind: 'script' | 'module';
  /** Index of the word holding the script path or the module name. */
  index: number;
  value: string;
}

/** `python [opts] path/x.py …` or `python [opts] -m mod …` (after assignments and wrappers). */
export function pythonRun(argv: readonly string[]): PythonRun | undefined {
  const head = commandHead(argv);
  if (!head || !/^python(\d+(\.\d+)?)?$/.test(baseName(argv[head.index] as string))) return undefined;
  for (let j = head.index + 1; j < argv.length; j++) {
    const w = argv[j] as string;
    if (w === '--') {
      const next = argv[j + 1];
      return next === undefined ? undefined : { kind: 'script', index: j + 1, value: next };
    }
    if (w === '-m') return argv[j + 1] === undefined ? undefined : { kind: 'module', index: j + 1, value: argv[j + 1] as string };
    if (w.startsWith('-m') && w.length > 2) return undefined; // -mfoo: rare; not judged
    if (w === '-c' || w.startsWith('-c') || w === '-') return undefined;
    if (w === '-W' || w === '-X' || w === '-Q') {
      j++;
      continue;
    }
    if (w.startsWith('-')) continue;
    return { kind: 'script', index: j, value: w };
  }
  return undefined;
}

/** Words of a command that name files it reads (so they must exist), for the dead-reference rule. */
export function readOperands(argv: readonly string[]): number[] {
  const head = commandHead(argv);
  if (!head) return [];
  const cmd = baseName(argv[head.index] as string);
  const out: number[] = [];
  const compose = composeRun(argv);
  if (compose) return [...compose.files, ...compose.envFiles].filter((j) => j < argv.length);
  const positional = (from: number): number[] => {
    const idx: number[] = [];
    for (let j = from; j < argv.length; j++) {
      const w = argv[j] as string;
      if (w === '>' || w === '>>' || w === '<') {
        j++;
        continue;
      }
      if (!w.startsWith('-')) idx.push(j);
    }
    return idx;
  };
  if (cmd === 'docker' && argv[head.index + 1] === 'build') {
    for (let j = head.index + 2; j < argv.length; j++) {
      if (argv[j] === '-f' || argv[j] === '--file') out.push(j + 1);
      else if (argv[j]?.startsWith('--file=')) out.push(j);
    }
  } else if (/^pip[\d.]*$/.test(cmd) || (/^python[\d.]*$/.test(cmd) && argv[head.index + 1] === '-m' && argv[head.index + 2] === 'pip')) {
    for (let j = head.index + 1; j < argv.length; j++) {
      if (['-r', '--requirement', '-c', '--constraint'].includes(argv[j] as string)) out.push(j + 1);
    }
  } else if (cmd === 'cp' || cmd === 'mv') {
    if (argv.some((a) => a === '-t' || a.startsWith('--target-directory'))) return [];
    out.push(...positional(head.index + 1).slice(0, -1));
  } else if (cmd === 'source' || cmd === '.') {
    const first = positional(head.index + 1)[0];
    if (first !== undefined) out.push(first);
  } else if (cmd === 'bash' || cmd === 'sh' || cmd === 'zsh') {
    if (argv.includes('-c')) return [];
    const first = positional(head.index + 1)[0];
    if (first !== undefined) out.push(first);
  } else if (cmd === 'cat') {
    out.push(...positional(head.index + 1));
  } else if (/^\.{0,2}\/?[\w.-]+(\/[\w.-]+)*\.(sh|bash)$/.test(argv[head.index] as string) && (argv[head.index] as string).includes('/')) {
    out.push(head.index);
  }
  return out.filter((j) => j >= 0 && j < argv.length);
}

/** Repo paths a command creates, resolved against its directory (shared with env-example-missing). */
export function createdPaths(argv: string[], cwd: string | undefined): string[] {
  if (cwd === undefined) return [];
  const out: string[] = [];
  const add = (p: string | undefined): void => {
    if (p === undefined || !isPlainPath(p)) return;
    const joined = path.normalize(path.join(cwd || '.', p));
    if (!joined.startsWith('..') && joined !== '.') out.push(joined.replace(/\/$/, ''));
  };
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i] as string;
    if (w === '>' || w === '>>') add(argv[i + 1]);
    else if (/^\d?>>?[^>&]/.test(w)) add(w.replace(/^\d?>>?/, ''));
  }
  const head = commandHead(argv);
  if (!head) return out;
  const cmd = baseName(argv[head.index] as string);
  const args = argv.slice(head.index + 1).filter((a) => !a.startsWith('-') && a !== '>' && a !== '>>');
  if (['cp', 'mv', 'ln', 'install', 'rsync'].includes(cmd) && args.length >= 2) {
    add(args[args.length - 1]);
    for (const src of args.slice(0, -1)) add(path.join(args[args.length - 1] as string, path.basename(src)));
  } else if (['touch', 'mkdir', 'tee'].includes(cmd)) args.forEach(add);
  else if (/^python[\d.]*$/.test(cmd) && argv[head.index + 1] === '-m' && argv[head.index + 2] === 'venv') add(argv[head.index + 3]);
  else if (cmd === 'virtualenv' || (cmd === 'uv' && argv[head.index + 1] === 'venv')) add(args[cmd === 'uv' ? 1 : 0] ?? '.venv');
  else if (cmd === 'git' && argv[head.index + 1] === 'clone') {
    const rest = args.slice(1);
    add(rest[1] ?? (rest[0] ? path.basename(rest[0]).replace(/\.git$/, '') : undefined));
  } else if (cmd === 'curl' || cmd === 'wget') {
    const o = argv.findIndex((a) => a === '-o' || a === '-O' || a === '--output');
    if (o !== -1) add(argv[o + 1]);
  }
  return out;
}
