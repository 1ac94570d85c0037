/**
 * What a run is on, from the command line: the root and the file arguments. Light (node:fs,
 * git's top level), so that main.ts can resolve it and the run memo can look the run up before
 * the engine loads.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { gitTopLevel } from '../util/git.js';
import { didYouMean } from '../util/suggest.js';
import { displayPath } from '../report/escape.js';
import { UsageError } from './options.js';

/** What the run is on: the root, and the file arguments that limit the findings (none: all). */
export interface Target {
  root: string;
  /** The root as the user would write it (for messages). */
  display: string;
  /** Root-relative, `/`-separated; undefined: no file arguments. */
  paths?: string[];
}

/**
 * The root and the file arguments, from the positional arguments and --root:
 *   - `--root DIR`: DIR is the root; every argument is a path to report on;
 *   - no argument: the current directory is the root;
 *   - one argument that is a folder: it is the root (`autopack-fix <root>`, as before);
 *   - otherwise (a file, or several paths): the root is the git top level of the current
 *     directory (the current directory outside git), and the arguments limit the findings to
 *     those files and folders; the facts still come from the whole root.
 * Every path must exist and lie inside the root.
 */
export async function resolveTarget(args: string[], rootOption: string | undefined): Promise<Target> {
  const missing = (p: string): UsageError => {
    const command = didYouMean(p, ['pr', 'list-rules', 'explain', 'help']);
    return new UsageError(`${displayPath(p)}: no such file or directory${command ? command.replace('did you mean', 'did you mean the command') : ''}`);
  };
  if (rootOption !== undefined) {
    const root = path.resolve(rootOption);
    if (!existsSync(root)) throw new UsageError(`root does not exist: ${displayPath(rootOption)}`);
    if (!statSync(root).isDirectory()) throw new UsageError(`root is not a directory: ${displayPath(rootOption)}`);
    return { root, display: rootOption, paths: args.length ? relativePaths(args, root, rootOption, missing) : undefined };
  }
  if (args.length === 0) return { root: path.resolve('.'), display: '.' };
  const only = args.length === 1 ? (args[0] as string) : undefined;
  if (only !== undefined && !existsSync(only)) throw missing(only);
  if (only !== undefined && statSync(only).isDirectory()) return { root: path.resolve(only), display: only };
  const root = (await gitTopLevel(process.cwd())) ?? process.cwd();
  const display = path.relative(process.cwd(), root) || '.';
  return { root, display, paths: relativePaths(args, root, display, missing) };
}

function relativePaths(args: string[], root: string, display: string, missing: (p: string) => UsageError): string[] {
  const realRoot = realpathSync(root);
  return args.map((p) => {
    if (!existsSync(p)) throw missing(p);
    const rel = path.relative(realRoot, realpathSync(p));
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new UsageError(`${displayPath(p)} is outside the root ${displayPath(display)}; run from inside its repository, or name the root with --root`);
    return rel.split(path.sep).join('/');
  });
}

