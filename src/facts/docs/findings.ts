/**
 * From problems to findings, the same way for every docs rule: one finding per occurrence,
 * occurrences of one stale value with one replacement sharing one fix, keys that survive edits
 * elsewhere; a command judged from every folder its reader may be in; problems in records of
 * the past kept as they were written.
 */
import type { Workspace } from '../../workspace/workspace.js';
import { docCommands, type DocCommand, type DocCommands } from './commands.js';
import type { DocFile } from './doc-files.js';
import type { DocsOptions } from './options.js';
import { textRole, type QuoteContext } from './quoting.js';

export interface DocProblem {
  doc: string;
  /** Text offset the finding points at. */
  offset: number;
  /** What kind of reference (`compose-service`, `app-target`, `script`, `link` …). */
  kind: string;
  /** The stale value as written (`postgres`, `autopack.api.server:app`). */
  subject: string;
  message: string;
  /** The edits that fix this occurrence, when exactly one replacement is meant and editable. */
  fix: { edits: Array<{ start: number; end: number; text: string }>; replacement: string; description: string; safety: 'safe' | 'review' } | undefined;
  /** The gap-analysis items this is an instance of (default: the rule's). */
  seedIds?: string[];
  /** The same problem as another rule reports it (RawFinding.reportedBy). */
  reportedBy?: { ruleId: string; key: string };
}

/**
 * A rule's raw finding for a doc problem. The shape of model's RawFinding, spelled out here
 * because facts/ sits below model/ (the docs rules check it with `satisfies RawFinding[]`).
 */
export interface DocFinding {
  file: string;
  offset: number;
  key: string;
  message: string;
  fix: { safety: 'safe' | 'review'; description: string; edits: Array<{ file: string; start: number; end: number; text: string }> } | null;
  seedIds?: string[];
}

/**
 * One finding per occurrence. Occurrences of the same stale value with the same replacement in
 * one doc share one fix (so proving it removes them all); keys number the occurrences within
 * their group, never by line, so they survive edits elsewhere in the file.
 */
export function problemsToFindings(problems: DocProblem[]): DocFinding[] {
  const groups = new Map<string, DocProblem[]>();
  for (const p of problems) {
    const g = `${p.doc}\0${p.kind}\0${p.subject}\0${p.fix ? `fix:${p.fix.replacement}\0${p.fix.safety}` : 'report'}`;
    const list = groups.get(g);
    if (list) list.push(p);
    else groups.set(g, [p]);
  }
  const out: DocFinding[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => a.offset - b.offset);
    const first = list[0] as DocProblem;
    const shared = first.fix
      ? { safety: first.fix.safety, description: first.fix.description, edits: dedupeEdits(list.flatMap((p) => (p.fix?.edits ?? []).map((e) => ({ file: p.doc, ...e })))) }
      : null;
    list.forEach((p, i) => {
      out.push({
        file: p.doc,
        offset: p.offset,
        // A review group keeps a key of its own: applying the safe group with the same
        // replacement must not look like it left the problem in place.
        key: `${p.doc}:${p.kind}:${p.subject}${p.fix ? `=>${p.fix.replacement}${p.fix.safety === 'review' ? ' (review)' : ''}` : ''}#${i}`,
        message: p.message,
        fix: shared,
        ...(p.seedIds ? { seedIds: p.seedIds } : {}),
        ...(p.reportedBy ? { reportedBy: p.reportedBy } : {}),
      });
    });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.offset - b.offset);
}

function dedupeEdits<T extends { file: string; start: number; end: number; text: string }>(edits: T[]): T[] {
  const seen = new Set<string>();
  return edits.filter((e) => {
    const k = `${e.file}\0${e.start}\0${e.end}\0${e.text}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Read a doc's commands, recording a skipped (too large or too complex) doc once as a diagnostic. */
export async function readDoc(ws: Workspace, doc: DocFile, opts: DocsOptions): Promise<DocCommands | undefined> {
  const r = await docCommands(ws, doc, opts);
  if ('skipped' in r) {
    // One note per file, whichever docs rule meets it first (the run dedupes identical notes).
    if (r.skipped.includes('size cap') || r.skipped.startsWith('skipped: too complex')) ws.addDiagnostic({ file: doc.path, kind: 'skipped', message: `docs rules: ${r.skipped}` });
    return undefined;
  }
  return r;
}

/**
 * A command's problems as judged from every directory its reader may be in (`cmd.cwd` and
 * `cmd.otherCwds`): a problem stands only when the command is wrong from each of them, and its
 * fix, written relative to `cmd.cwd`, is then a judgement call (`review`), because the doc does
 * not say for certain where the command runs. `judge` sees a copy of the command with one
 * directory and no alternatives. For problems other than DocProblems, `id` names a problem
 * across the runs and `doubt` marks one as uncertain.
 */
export async function judgedFromEveryCwd<T = DocProblem>(
  cmd: DocCommand,
  judge: (c: DocCommand) => T[] | Promise<T[]>,
  id: (p: T) => string = (p) => {
    const d = p as unknown as DocProblem;
    return `${d.kind}\0${d.offset}\0${d.subject}`;
  },
  doubt: (p: T, why: string) => T = (p, why) => {
    const d = p as unknown as DocProblem;
    return (d.fix ? { ...d, message: `${d.message}; ${why}, so the fix is for review`, fix: { ...d.fix, safety: 'review' as const } } : d) as unknown as T;
  },
): Promise<T[]> {
  const primary = await judge(cmd.otherCwds.length ? { ...cmd, otherCwds: [] } : cmd);
  if (cmd.otherCwds.length === 0 || primary.length === 0) return primary;
  let kept = primary;
  for (const other of cmd.otherCwds) {
    const also = new Set((await judge({ ...cmd, cwd: other, otherCwds: [] })).map(id));
    kept = kept.filter((p) => also.has(id(p)));
  }
  const where = cmd.otherCwds.map((d) => (d ? `\`${d}/\`` : 'the repository root')).join(' or ');
  const why = `the doc does not say for certain where this runs (${cmd.cwdOrigin ?? 'an earlier step'}; it may run from ${where})`;
  return kept.map((p) => doubt(p, why));
}

/**
 * Problems inside a record of the past (see textRole) are statements that were true when
 * written: a link there is still reported (a reader clicking it gets nothing) but never
 * rewritten; a path or command there is not an instruction, so it is not reported.
 */
export function outsideRecords(q: QuoteContext, problems: DocProblem[]): DocProblem[] {
  const out: DocProblem[] = [];
  for (const p of problems) {
    const role = textRole(q, p.offset);
    if (role?.role !== 'record') out.push(p);
    else if (p.kind === 'link') out.push({ ...p, message: p.fix ? `${p.message}; not rewritten: it sits in ${role.why}, a record of the past` : p.message, fix: undefined });
  }
  return out;
}
