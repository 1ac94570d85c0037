/**
 * History cases: commits in which people fixed drift of a kind the rules cover. For each case
 * the tool runs at the parent commit (a snapshot with the history up to it) and the result is
 * compared with what the person did in the named file:
 *
 * - found: a finding of the tool sits in the file, on or next to a line the person changed
 *   (for a file the person created, any finding on that path; for a Dependabot config, a
 *   finding that names an (ecosystem, directory) the person added an entry for);
 * - edit: `equal` when applying the tool's fixes for that file (any safety class) gives, on
 *   every hunk the person changed that the tool also changed, the person's lines (whitespace
 *   runs collapsed); `equivalent` when the lines differ but every value the tool wrote is one
 *   the person wrote there too (paths compared after resolving them from the file's folder, so
 *   `./docs/a.md` and `docs/a.md` are the same target; the person may have changed more, such
 *   as the link text), and for a Dependabot config when the tool's new entries cover every
 *   (ecosystem, directory) the person added; `partial` when some hunks are equal or equivalent;
 *   `different` when the tool changed them otherwise; `none` when it proposed no edit there. A
 *   created file is `equal` when the tool creates it.
 *
 * history.tsv columns: repo, parent, fix, file, kind, note. `parent` may be `-` (then the
 * fix commit's first parent is used).
 */
import { existsSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { diffLines } from 'diff';
import { parse as parseYaml } from 'yaml';
import { git, mirrorOf, snapshot } from './snapshot.mjs';
import { analyse } from './analyse.mjs';

const DIST = path.resolve(import.meta.dirname, '..', '..', 'dist', 'src');
const { applyEdits } = await import(path.join(DIST, 'engine', 'edits.js'));

export function readCases(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((line, i) => {
    const [repo, parent, fix, filePath, kind, note] = line.split('\t');
    return { repo, parent, fix, file: filePath, kind, note: note ?? '', at: i + 1 };
  }).filter((c) => c.repo !== 'repo');
}

/** Changed hunks of `before` → `after`, as 1-based line ranges of `before` and the new lines. */
function hunks(before, after) {
  const out = [];
  let line = 1;
  let current;
  for (const part of diffLines(before, after)) {
    const lines = part.value.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (!part.added && !part.removed) {
      if (current) out.push(current);
      current = undefined;
      line += lines.length;
      continue;
    }
    current ??= { from: line, to: line - 1, removed: [], added: [] };
    if (part.removed) {
      current.removed.push(...lines);
      current.to = line + lines.length - 1;
      line += lines.length;
    } else current.added.push(...lines);
  }
  if (current) out.push(current);
  return out;
}

const norm = (lines) => lines.map((l) => l.replace(/\s+/g, ' ').trim()).join('\n');
const overlaps = (a, b, slack = 0) => a.from - slack <= Math.max(b.to, b.from) && b.from - slack <= Math.max(a.to, a.from);

export async function runHistory({ mirrors, selected, work, historyFile }) {
  const cases = readCases(historyFile).filter((c) => selected.some((s) => s.repo === c.repo));
  const rows = [];
  for (const c of cases) {
    const mirror = mirrorOf(mirrors, c.repo);
    const gitDir = mirror;
    const parent = c.parent && c.parent !== '-' ? c.parent : git(['--git-dir', gitDir, 'rev-parse', `${c.fix}^`]).trim();
    const dir = path.join(work, 'history', `${c.repo.replace('/', '__')}@${parent.slice(0, 12)}`);
    mkdirSync(path.dirname(dir), { recursive: true });
    let row = { ...c, parent, found: false, edit: 'none', findings: 0, detail: '' };
    try {
      snapshot(mirror, parent, dir, c.repo);
      const human = fileAt(gitDir, c.fix, c.file);
      const before = fileAt(gitDir, parent, c.file);
      const analysis = await analyse(dir);
      const inFile = analysis.findings.filter((f) => f.file === c.file || (f.fix && (f.fix.edits.some((e) => e.file === c.file) || (f.fix.creates ?? []).some((x) => x.file === c.file))));
      row.findings = inFile.length;
      if (before === undefined) {
        // The person created the file: found when the tool reports it, equal when it creates it.
        row.found = inFile.length > 0;
        const created = inFile.flatMap((f) => (f.fix?.creates ?? []).filter((x) => x.file === c.file));
        row.edit = created.length === 0 ? 'none' : 'equal';
        if (created.length && human !== undefined && /dependabot\.ya?ml$/.test(c.file)) {
          const theirs = entries(human);
          const mine = entries(created[0].content);
          row.detail = `covers ${[...theirs].filter((x) => mine.has(x)).length} of the ${theirs.size} entries the person wrote`;
        }
      } else if (human !== undefined) {
        const people = hunks(before, human);
        const edits = inFile.flatMap((f) => (f.fix?.edits ?? []).filter((e) => e.file === c.file));
        const tool = hunks(before, dedupe(edits).length ? applyEdits(before, dedupe(edits)) : before);
        const lineOf = (f) => (f.file === c.file ? f.line : undefined);
        row.found = inFile.some((f) => {
          const l = lineOf(f);
          return l === undefined || people.some((h) => overlaps(h, { from: l, to: l }, 1));
        }) || tool.some((t) => people.some((h) => overlaps(h, t)));
        // A Dependabot entry the person added is found when the tool reports that (ecosystem,
        // directory) missing, wherever in the config either of them put it.
        if (!row.found && /(^|\/)\.github\/dependabot\.ya?ml$/.test(c.file)) {
          const theirs = [...entries(human)].filter((x) => !entries(before).has(x));
          const reported = new Set(inFile.map((f) => missingPair(f.key)).filter(Boolean));
          row.found = theirs.some((x) => reported.has(x) || reported.has(sameKind(x)));
        }
        const judged = people.filter((h) => tool.some((t) => overlaps(h, t)));
        const equal = judged.filter((h) => {
          const t = tool.filter((x) => overlaps(h, x));
          return t.length === 1 && norm(t[0].added) === norm(h.added) && t[0].from === h.from && t[0].to === h.to;
        });
        const dir = path.posix.dirname(c.file) === '.' ? '' : path.posix.dirname(c.file);
        const equivalent = judged.filter((h) => {
          if (equal.includes(h)) return true;
          const mine = dedupe(edits).filter((e) => tool.some((t) => overlaps(h, t) && lineOfOffset(before, e.start) >= t.from - 1 && lineOfOffset(before, e.start) <= Math.max(t.to, t.from) + 1));
          if (mine.length === 0) return false;
          const theirs = new Set(tokens(h.added.join('\n')).map((w) => resolveFrom(dir, w, c.repo)));
          return mine.every((e) => theirs.has(resolveFrom(dir, e.text, c.repo)));
        });
        if (/(^|\/)\.github\/dependabot\.ya?ml$/.test(c.file)) {
          const added = (text) => new Set([...entries(text)].filter((x) => !entries(before).has(x)));
          // Each fix alone: fixes of one config all insert after its last entry.
          const mine = new Set();
          for (const f of inFile) {
            const own = dedupe((f.fix?.edits ?? []).filter((e) => e.file === c.file));
            if (own.length) for (const x of added(applyEdits(before, own))) mine.add(x);
          }
          const theirs = added(human);
          // Where each of them put the entries does not matter: Dependabot reads them all.
          if (theirs.size > 0 && [...theirs].every((x) => mine.has(x) || mine.has(sameKind(x))) && (equal.length < judged.length || judged.length === 0)) row.coverage = 'equivalent';
        }
        const good = row.coverage === 'equivalent' ? judged.length : equivalent.length;
        row.edit = row.coverage === 'equivalent' && judged.length === 0 ? 'equivalent' : judged.length === 0 ? 'none' : equal.length === judged.length ? 'equal' : good === judged.length ? 'equivalent' : good > 0 ? 'partial' : 'different';
        row.detail = judged.filter((h) => !equal.includes(h)).slice(0, 2).map((h) => {
          const t = tool.find((x) => overlaps(h, x));
          return `line ${h.from}: human «${h.added.join(' ⏎ ').slice(0, 120)}» tool «${(t?.added ?? []).join(' ⏎ ').slice(0, 120)}»`;
        }).join('; ');
      }
      row.messages = inFile.slice(0, 3).map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.fix ? f.fix.safety : 'report'}: ${f.message.slice(0, 160)}`);
    } catch (error) {
      row.detail = `error: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
    }
    rows.push(row);
    console.error(`${c.repo} ${c.fix.slice(0, 10)} ${c.file}: found ${row.found ? 'yes' : 'no'}, edit ${row.edit}`);
  }
  printHistory(rows, work);
}

/** (ecosystem, directory) pairs of a Dependabot config's text (`directory:` and `directories:`). */
function entries(text) {
  const out = new Set();
  let doc;
  try {
    doc = parseYaml(text);
  } catch {
    return out;
  }
  for (const u of Array.isArray(doc?.updates) ? doc.updates : []) {
    const eco = u?.['package-ecosystem'];
    if (typeof eco !== 'string') continue;
    const dirs = [u.directory, ...(Array.isArray(u.directories) ? u.directories : [])].filter((d) => typeof d === 'string');
    for (const d of dirs) out.add(`${eco} /${d.replace(/^\/+|\/+$/g, '')}`);
  }
  return out;
}

/** `missing:npm:web/app` (a dependabot-coverage key) → `npm /web/app`, as entries() spells it. */
function missingPair(key) {
  const m = /^missing:([\w-]+):(.*)$/.exec(key ?? '');
  return m ? `${m[1]} /${m[2].replace(/^\/+|\/+$/g, '')}` : undefined;
}

/** The ecosystem an entry of the other spelling of its kind would name (bun/npm, uv/pip). */
function sameKind(pair) {
  const [eco, dir] = pair.split(' ');
  const other = { npm: 'bun', bun: 'npm', pip: 'uv', uv: 'pip' }[eco];
  return other ? `${other} ${dir}` : pair;
}

/** Path-like words of a text: link destinations, code spans, command operands. */
function tokens(text) {
  return text.split(/[\s()[\]<>`'"=,]+/).filter((w) => w.length > 0);
}

/** A path as the file's folder resolves it (`./a/b.md` and `a/b.md` are one target); other words as they are. */
function resolveFrom(dir, word, repo) {
  let w = word.replace(/#.*$/, '');
  // A link to a file of this very repository on GitHub names that file (any branch).
  const blob = repo && new RegExp(`^https://github\\.com/${repo.replace('.', '\\.')}/(?:blob|tree)/[^/]+/(.+)$`, 'i').exec(w);
  if (blob) return blob[1];
  if (!/[/.]/.test(w) || /^[a-z]+:\/\//i.test(w)) return word;
  // A leading `/` is the repository root, as GitHub reads it.
  if (w.startsWith('/')) return path.posix.normalize(w.slice(1));
  const joined = path.posix.normalize(path.posix.join(dir || '.', w));
  return joined.replace(/^\.\//, '');
}

function lineOfOffset(text, offset) {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function fileAt(gitDir, commit, file) {
  try {
    return git(['--git-dir', gitDir, 'show', `${commit}:${file}`]);
  } catch {
    return undefined;
  }
}

function dedupe(edits) {
  const seen = new Set();
  return edits.filter((e) => {
    const k = `${e.start}\0${e.end}\0${e.text}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function printHistory(rows, work) {
  console.log('\n## History cases\n');
  console.log('| repository | fix commit | file | kind | found | edit | detail |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.repo} | ${r.fix.slice(0, 10)} | ${r.file} | ${r.kind} | ${r.found ? 'yes' : 'no'} | ${r.edit} | ${(r.detail || '').replace(/\|/g, '\\|')} |`);
  const found = rows.filter((r) => r.found).length;
  const equal = rows.filter((r) => r.edit === 'equal' || r.edit === 'equivalent').length;
  const pct = (n) => (rows.length ? `${((100 * n) / rows.length).toFixed(0)}%` : '-');
  console.log(`\n${rows.length} cases: ${found} found (${pct(found)}), ${equal} with an equal or equivalent edit (${pct(equal)}: ${rows.filter((r) => r.edit === 'equal').length} equal, ${rows.filter((r) => r.edit === 'equivalent').length} equivalent), ${rows.filter((r) => r.edit === 'partial').length} partial.`);
  const out = path.join(work, 'out', 'history.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(rows, null, 2));
  console.log(`Details (messages of the findings in each file): ${out}`);
}
