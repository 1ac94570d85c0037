import type { Fix, RawFinding, SkipReason, TextEdit } from '../../src/model/types.js';
import type { Rule, RuleContext } from '../../src/model/rule.js';
import { checkoutPattern, findCheckoutPaths, REMOTE_COMMAND, type CheckoutPath } from './detect.js';
import { batchRoot, powershellRoot, pythonRoot, scriptKind, shellRoot, type ScriptKind } from './fix.js';
import { pathStrings } from './python-strings.js';
import { isDockerfilePath } from '../../src/formats/dockerfile.js';

/**
 * Seed 3.3: helper scripts that `cd` into, or point PYTHONPATH at, one maintainer's checkout
 * (`C:\dev\Autopack`). The fix derives the root from where the script sits.
 */
export const rule: Rule = {
  meta: {
    id: 'hardcoded-checkout-path',
    seedIds: ['3.3'],
    summary: 'Scripts (.bat, .ps1, .sh, .py) that use an absolute path to one machine\'s checkout of this repository → the root found from the script\'s own location.',
    defaultSeverity: 'warning',
    fixable: 'safe',
    messages: {
      checkoutPath: '`{{path}}` is one machine\'s checkout of this repository; the script fails anywhere else{{tail}}',
    },
  },
  async check(ctx) {
    const pattern = checkoutPattern(repositoryNames(ctx));
    if (!pattern) return [];
    const findings: RawFinding[] = [];
    const shipped = copiedIntoImages(ctx);
    for (const p of ctx.workspace.paths) {
      const kind = scriptKind(p);
      // A script a Dockerfile copies into an image runs there: its absolute paths are the
      // image's (a checkout the image makes on purpose), and its own folder is not the repository.
      if (!kind || shipped.has(p.slice(p.lastIndexOf('/') + 1))) continue;
      const probe = ctx.workspace.probe(p);
      if (!probe || !pattern.test(probe.text)) continue;
      const file = ctx.workspace.read(p);
      if (!file) continue;
      const depth = p.split('/').length - 1;
      const inFile = kind === 'python' ? await pythonFindings(ctx, p, depth, pattern) : lineFindings(p, file.text, kind, depth, pattern);
      findings.push(...shareFixes(inFile));
    }
    return findings;
  },
};

/** The file names of the scripts that Dockerfiles COPY/ADD from the build context. */
function copiedIntoImages(ctx: RuleContext): Set<string> {
  const names = new Set<string>();
  for (const p of ctx.workspace.paths) {
    if (!isDockerfilePath(p)) continue;
    for (const stage of ctx.files.dockerfile(p)?.stages ?? []) {
      for (const copy of stage.copies) {
        if (copy.from !== undefined) continue;
        for (const src of copy.sources) {
          const base = src.value.replace(/\/+$/, '').split('/').pop() ?? '';
          if (scriptKind(base)) names.add(base);
        }
      }
    }
  }
  return names;
}

/** The folder and remote names, and the names the root manifests give the project. */
function repositoryNames(ctx: RuleContext): string[] {
  const names = new Set(ctx.workspace.names);
  const pyproject = ctx.workspace.has('pyproject.toml') ? ctx.files.toml('pyproject.toml')?.value : undefined;
  const project = pyproject?.project as Record<string, unknown> | undefined;
  const poetry = (pyproject?.tool as Record<string, Record<string, unknown>> | undefined)?.poetry;
  for (const n of [project?.name, poetry?.name]) if (typeof n === 'string') names.add(n.toLowerCase());
  const parsed = ctx.workspace.has('package.json') ? ctx.files.json('package.json') : undefined;
  const pkg = parsed?.ok ? parsed.value : undefined;
  const pkgName = pkg && typeof pkg === 'object' && !Array.isArray(pkg) ? (pkg as Record<string, unknown>).name : undefined;
  if (typeof pkgName === 'string') names.add(pkgName.replace(/^@[^/]+\//, '').toLowerCase());
  return [...names];
}

/** Batch, PowerShell and shell: line by line, skipping comments; a path in single quotes is not expanded, so it is reported only. */
function lineFindings(p: string, text: string, kind: Exclude<ScriptKind, 'python'>, depth: number, pattern: RegExp): RawFinding[] {
  const out: RawFinding[] = [];
  let lineStart = 0;
  const seen = new Map<string, number>();
  for (const line of text.split('\n')) {
    const comment = kind === 'batch' ? /^\s*@?(rem\b|::)/i.test(line) : /^\s*#/.test(line);
    if (!comment) {
      for (const found of findCheckoutPaths(line, pattern)) {
        const before = line.slice(0, found.start);
        // A trailing comment (`# was C:\dev\x`) is not run; a remote command's path is another machine's.
        if (kind !== 'batch' && /(^|\s)#/.test(before.replace(/"[^"]*"|'[^']*'/g, ''))) continue;
        if (REMOTE_COMMAND.test(line)) continue;
        const singleQuoted = (before.split("'").length - 1) % 2 === 1;
        const doubleQuoted = (before.split('"').length - 1) % 2 === 1;
        const abs: CheckoutPath = { ...found, start: lineStart + found.start, end: lineStart + found.end };
        let replacement: string | undefined;
        let reason: SkipReason | undefined;
        if (kind === 'batch') replacement = batchRoot(depth, found);
        else if (singleQuoted) reason = 'not-editable';
        else if (kind === 'powershell') replacement = powershellRoot(depth, found);
        else replacement = shellRoot(depth, found, doubleQuoted);
        out.push(finding(p, abs, occurrence(seen, found.text, replacement !== undefined), replacement, reason, kind));
      }
    }
    lineStart += line.length + 1;
  }
  return out;
}

async function pythonFindings(ctx: RuleContext, p: string, depth: number, pattern: RegExp): Promise<RawFinding[]> {
  const file = ctx.workspace.read(p);
  if (!file) return [];
  const { strings, pathName, importAt } = await pathStrings(file);
  const out: RawFinding[] = [];
  const seen = new Map<string, number>();
  for (const s of strings) {
    const content = file.text.slice(s.contentStart, s.contentEnd);
    // The value as Python reads it: `r"C:\dev\x"` as written, `"C:\\dev\\x"` with its doubled backslashes undone.
    const value = s.value ?? (/^(?:[^\\]|\\\\)*$/.test(content) ? content.replace(/\\\\/g, '\\') : content);
    for (const found of findCheckoutPaths(value, pattern)) {
      // Only a string that is the path and nothing else is rewritten.
      const whole = s.value !== undefined || value !== content ? found.start === 0 && found.end === value.length : false;
      const at: CheckoutPath = { ...found, start: s.start, end: s.end };
      if (!whole) {
        out.push(finding(p, at, occurrence(seen, found.text, false), undefined, 'not-editable', 'python'));
        continue;
      }
      const replacement = pythonRoot(depth, found, pathName ?? 'Path');
      const f = finding(p, at, occurrence(seen, found.text, true), replacement, undefined, 'python');
      if (!pathName && f.fix) {
        // `Path` is not imported yet: the import goes after the module's imports.
        f.fix.edits.push({ file: p, start: importAt, end: importAt, text: importAt === 0 ? `from pathlib import Path${file.eol}` : `${file.eol}from pathlib import Path` });
        f.fix.description += ' (and import pathlib.Path)';
      }
      out.push(f);
    }
  }
  return out;
}

function finding(p: string, path: CheckoutPath, index: string, replacement: string | undefined, reason: SkipReason | undefined, kind: ScriptKind): RawFinding {
  const fix: Fix | null = replacement === undefined ? null : {
    // The same folder when the script is run from this checkout, and the right one from any other;
    // review where the path may be a server's deployment that the script reaches from elsewhere.
    safety: path.workstation ? 'safe' : 'review',
    description: `find the checkout from the script's location: ${replacement}`,
    edits: [{ file: p, start: path.start, end: path.end, text: replacement }],
  };
  const tail = fix ? `; use \`${replacement}\`` : kind === 'python' ? '; the path is part of a longer string, so it is not rewritten' : '; it is in single quotes, where nothing is expanded, so it is not rewritten';
  return {
    file: p,
    offset: path.start,
    key: `${p}:${path.text.toLowerCase()}:${index}`,
    messageId: 'checkoutPath',
    data: { path: path.text, tail },
    fix,
    ...(fix ? {} : { skipReason: reason ?? 'not-editable' }),
  };
}

/**
 * The how-many-th time this path is written in the file, counted apart for the paths that are
 * fixed and those only reported: fixing some never renumbers the others' keys.
 */
function occurrence(seen: Map<string, number>, text: string, fixable: boolean): string {
  const k = `${fixable ? 'fix' : 'report'}:${text.toLowerCase()}`;
  const n = seen.get(k) ?? 0;
  seen.set(k, n + 1);
  return `${fixable ? '' : 'report:'}${n}`;
}

/**
 * One fix per file and fix class, shared by its findings: every occurrence of a checkout path
 * goes at once (a second occurrence of the same path would otherwise take the first one's key
 * when that is fixed alone), and the `Path` import a Python file needs is added once.
 */
function shareFixes(findings: RawFinding[]): RawFinding[] {
  const groups = new Map<string, RawFinding[]>();
  for (const f of findings) {
    if (!f.fix) continue;
    const list = groups.get(f.fix.safety) ?? [];
    list.push(f);
    groups.set(f.fix.safety, list);
  }
  for (const list of groups.values()) {
    if (list.length < 2) continue;
    const edits: TextEdit[] = [];
    const seenEdits = new Set<string>();
    for (const f of list) {
      for (const e of (f.fix as Fix).edits) {
        const id = `${e.start}:${e.end}:${e.text}`;
        if (!seenEdits.has(id)) edits.push(e);
        seenEdits.add(id);
      }
    }
    const imports = list.some((f) => (f.fix as Fix).description.endsWith('(and import pathlib.Path)'));
    const shared: Fix = { safety: (list[0]?.fix as Fix).safety, description: `find the checkout from the script's location (${list.length} paths)${imports ? ' (and import pathlib.Path)' : ''}`, edits };
    for (const f of list) f.fix = shared;
  }
  return findings;
}
