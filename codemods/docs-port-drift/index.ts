import type { RawFinding, SkipReason } from '../../src/model/types.js';
import { renderMessage, type Rule } from '../../src/model/rule.js';
import { DOCS_OPTIONS, readsDocs } from '../docs-options.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import type { SourceFile } from '../../src/workspace/source-file.js';
import { offsetAt, type MarkdownModel, type MdCodeBlock } from '../../src/formats/markdown.js';
import { parseAppTarget, resolveAppTarget } from '../../src/facts/python-app.js';
import { commandEnv, DOC_COMMANDS, type DocCommand, wordTextSpan } from '../../src/facts/docs/commands.js';
import { type AppDeployment, appDeployments, serverAtHead, serverPort } from '../../src/facts/docs/deployments.js';
import { docFiles, matchesAny } from '../../src/facts/docs/doc-files.js';
import { type DocProblem, problemsToFindings, readDoc } from '../../src/facts/docs/findings.js';
import { docsOptions } from '../../src/facts/docs/options.js';
import { docExecContext, installableRoots, unreadablePythonPath } from '../../src/facts/docs/python.js';
import { isQuoted, lineAround, type QuoteContext } from '../../src/facts/docs/quoting.js';

/** Hosts that mean "this machine" in a URL of the same command line. */
const LOCAL_HOST = '(?:localhost|127\\.0\\.0\\.1|0\\.0\\.0\\.0|\\[::1\\])';

async function appOf(ws: Workspace, cmd: DocCommand, argv: string[]): Promise<{ file: string; attr: string; word: string } | undefined> {
  const inv = serverAtHead(argv);
  if (!inv || inv.targetIndex === undefined || inv.config !== undefined) return undefined;
  const word = argv[inv.targetIndex] as string;
  const target = parseAppTarget(word);
  if (!target) return undefined;
  const env = commandEnv(cmd);
  if (unreadablePythonPath(env)) return undefined;
  const shell = cmd.form === 'shell' && cmd.source !== 'dockerfile' && cmd.cwd !== undefined;
  for (const ctx of [shell ? docExecContext(cmd.cwd ?? '', env, inv) : undefined, docExecContext(cmd.cwd ?? '', env, inv, ['', ...installableRoots(ws)])]) {
    if (!ctx) continue;
    const r = await resolveAppTarget(ws, ctx, target);
    if (r.status === 'ok') return { file: r.file, attr: target.attr, word };
    if (r.status === 'unknown') return undefined;
  }
  return undefined;
}

function describe(d: AppDeployment): string {
  if (d.service && d.hostPorts.length > 0) return `service \`${d.service}\` publishes it as ${d.hostPorts.map((h) => `${h}:${d.containerPort}`).join(', ')}`;
  return `${d.service ? `service \`${d.service}\`` : d.via} runs it on port ${d.containerPort}`;
}

/** Prose links after the command, in the same section, that name the old port (reported, not edited). */
/**
 * `http://localhost:<port>…` URLs in the prose of the command's section after it: the server
 * the command starts, seen from this machine. They carry the port the command sets, so a fix
 * changes them with it. Code (spans and blocks) belongs to other commands and is not scanned.
 */
function proseMentions(file: SourceFile, model: MarkdownModel | undefined, from: number, port: string): Array<{ text: string; line: number; portAt: number }> {
  if (!model) return [];
  const section = model.headings.filter((h) => h.start <= from && from < h.sectionEnd).pop();
  const end = section ? section.sectionEnd : file.text.length;
  // Bare URLs in prose: scanned in the text (GFM's literal-autolink parsing doubles the cost of
  // every Markdown parse), skipping code, which belongs to commands, not prose.
  const re = new RegExp(`https?://${LOCAL_HOST}:${port}(?!\\d)[^\\s<>)\\]\`'"]*`, 'g');
  const inCode = (at: number): boolean => [...model.spans, ...model.blocks].some((c) => c.start <= at && at < c.end);
  const out: Array<{ text: string; line: number; portAt: number }> = [];
  re.lastIndex = from;
  for (let m = re.exec(file.text); m && m.index < end; m = re.exec(file.text)) {
    if (inCode(m.index)) continue;
    const portAt = m.index + m[0].indexOf(`:${port}`) + 1;
    out.push({ text: m[0].replace(/[.,;:]+$/, ''), line: file.position(m.index).line, portAt });
  }
  return out;
}

/** What every finding says first (`published`: how the deployments publish the app). */
const BASE = 'this command runs `{{app}}` on port {{port}}, but {{published}}';
const USE = `${BASE}; use {{wanted}}`;
const PROSE = ' (and in {{prose}}, the server it starts)';
const LEFTOVER = '; the section names {{port}} elsewhere too, which is not changed, so the fix is for review';

/** A message id and its data, and why no fix is offered. */
interface Said {
  messageId: string;
  data: Record<string, string>;
  skipReason?: SkipReason;
}

/**
 * A doc command that runs the repository's API (the same app a compose service or Dockerfile
 * runs) on a port other than the one published for it (seed 1.11: README runs uvicorn on 8100
 * while compose publishes 8000). The fix changes that command's port, and `localhost:<port>`
 * URLs in the same command line; never a bare number elsewhere, never prose.
 */
export const rule: Rule = {
  meta: {
    id: 'docs-port-drift',
    seedIds: ['1.11'],
    summary: 'A documented run command uses a port other than the one published for that app; use that port.',
    defaultSeverity: 'warning',
    fixable: 'safe',
    messages: {
      usePort: USE,
      usePortProse: `${USE}${PROSE}`,
      usePortLeftover: `${USE}${LEFTOVER}`,
      usePortProseLeftover: `${USE}${PROSE}${LEFTOVER}`,
      notEditable: `${BASE}; the text cannot be edited in place (not changed)`,
      noSinglePort: `${BASE}; no single published port (not changed)`,
    },
    options: { ...DOCS_OPTIONS },
  },
  // Every doc, once the repository deploys an app (almost every repository this rule has work in).
  docsReadAhead: readsDocs,
  reads: [DOC_COMMANDS],
  async check({ facts, workspace, options }) {
    const opts = docsOptions(options);
    // Deployments in excluded folders (fixtures, vendored code) are not the repository's.
    const deployments = (await appDeployments(facts)).filter((d) => !matchesAny(d.file, opts.excludeGlobs));
    if (deployments.length === 0) return [];
    const problems: DocProblem[] = [];
    // The shared docs grouping (problemsToFindings) carries the text; the id, data and skip
    // reason of each problem are found again by where it is and what it says.
    const said = new Map<string, Said>();
    const say = (doc: string, offset: number, s: Said): string => {
      const message = renderMessage(rule.meta, s.messageId, s.data);
      said.set(`${doc}\0${offset}\0${message}`, s);
      return message;
    };
    for (const doc of docFiles(workspace, opts).docs) {
      const read = await readDoc(workspace, doc, opts);
      if (!read) continue;
      const q: QuoteContext = { ws: workspace, file: read.file, model: read.model, opts };
      for (const cmd of read.commands) {
        const argv = cmd.words.map((w) => w.value);
        const app = await appOf(workspace, cmd, argv);
        if (!app) continue;
        const same = deployments.filter((d) => d.file === app.file && d.attr === app.attr);
        if (same.length === 0) continue;
        const inv = serverAtHead(argv);
        const port = inv ? serverPort(argv, inv) : undefined;
        if (!port || !/^\d+$/.test(port.value) || port.value === '0') continue;
        const allowed = new Set(same.flatMap((d) => [...d.hostPorts, ...(d.containerPort ? [d.containerPort] : [])]));
        if (allowed.has(port.value)) continue;
        const offset = wordTextSpan(cmd, port.index)?.[0] ?? cmd.offset;
        if (isQuoted(q, offset, cmd.block)) continue;
        const hosts = [...new Set(same.flatMap((d) => d.hostPorts))];
        const containers = [...new Set(same.map((d) => d.containerPort).filter((c): c is string => c !== undefined))];
        const wanted = hosts.length === 1 ? hosts[0] : hosts.length === 0 && containers.length === 1 ? containers[0] : undefined;
        const published = [...new Set(same.map(describe))].join('; ');
        const data = { app: app.word, port: port.value, published };
        const subject = `${app.word}@${port.value}`;
        if (!wanted || !workspace.isEditable(doc.path)) {
          const s: Said = wanted ? { messageId: 'notEditable', data, skipReason: 'not-editable' } : { messageId: 'noSinglePort', data, skipReason: 'ambiguous-target' };
          problems.push({ doc: doc.path, offset, kind: 'port', subject, message: say(doc.path, offset, s), fix: undefined });
          continue;
        }
        // The port digits inside their word: `8100`, `--port=8100`, `0.0.0.0:8100`.
        const raw = cmd.mapped.value.slice(cmd.words[port.index]?.vStart ?? 0, cmd.words[port.index]?.vEnd ?? 0);
        const sub = raw.endsWith(`:${port.value}`) ? `:${port.value}` : port.value;
        const span = wordTextSpan(cmd, port.index, sub);
        if (!span) {
          problems.push({ doc: doc.path, offset, kind: 'port', subject, message: say(doc.path, offset, { messageId: 'notEditable', data, skipReason: 'not-editable' }), fix: undefined });
          continue;
        }
        const edits = [{ start: span[0], end: span[1], text: sub.replace(port.value, wanted) }];
        // URLs of this machine with the old port, in commands of the same line (`uvicorn … & curl localhost:8100/health`).
        const url = new RegExp(`${LOCAL_HOST}:${port.value}(?!\\d)`, 'g');
        for (const other of read.commands.filter((c) => c.lineId === cmd.lineId && c.mapped === cmd.mapped)) {
          other.words.forEach((w, i) => {
            if (other === cmd && i === port.index) return;
            const text = other.mapped.value.slice(w.vStart, w.vEnd);
            for (const m of text.matchAll(url)) {
              const at = w.vStart + (m.index ?? 0) + m[0].length - port.value.length;
              const s = offsetAt(other.mapped, at);
              if (s !== undefined && s >= 0 && offsetAt(other.mapped, at + port.value.length - 1) === s + port.value.length - 1) edits.push({ start: s, end: s + port.value.length, text: wanted });
            }
          });
        }
        // A port the rest of its block or section uses too (`curl localhost:52130`,
        // `API_URL=…:52130` on other lines) is a deliberate choice: changing it here alone
        // would leave the text inconsistent with itself.
        // Lines of this block that start a server on the same port are judged themselves.
        const serverLines = read.commands
          .filter((c) => c.block !== undefined && c.block === cmd.block)
          .filter((c) => {
            const a = c.words.map((w) => w.value);
            const i = serverAtHead(a);
            return i !== undefined && serverPort(a, i)?.value === port.value;
          })
          .map((c) => lineAround(read.file.text, c.offset))
          .map((l) => ({ start: l.start, end: l.start + l.text.length }));
        if (portUsedElsewhere(read.file.text, cmd.block, offset, port.value, [...edits, ...serverLines])) continue;
        const prose = proseMentions(read.file, read.model, offset, port.value);
        for (const m of prose) edits.push({ start: m.portAt, end: m.portAt + port.value.length, text: wanted });
        // Anything else in the section that still says the old port (a bare number in prose,
        // another block) would contradict the fixed command: a judgement call.
        const section = (read.model?.headings ?? []).filter((h) => h.start <= offset && offset < h.sectionEnd).pop();
        const leftover = portUsedElsewhere(read.file.text, { start: section?.start ?? 0, end: section?.sectionEnd ?? read.file.text.length }, offset, port.value, [...edits, ...serverLines]);
        problems.push({
          doc: doc.path,
          offset,
          kind: 'port',
          subject,
          // Prose is never edited: when it names the old port too, the fix would leave the
          // section saying two things, so it is a judgement call.
          message: say(doc.path, offset, {
            messageId: `usePort${prose.length > 0 ? 'Prose' : ''}${leftover ? 'Leftover' : ''}`,
            data: { ...data, wanted, ...(prose.length > 0 ? { prose: prose.map((m) => `${m.text} (line ${m.line})`).join(', ') } : {}) },
          }),
          fix: { edits, replacement: wanted, description: `run on port ${wanted} instead of ${port.value}`, safety: leftover ? 'review' : 'safe' },
        });
      }
    }
    return problemsToFindings(problems).map(({ message, ...f }): RawFinding => {
      const s = said.get(`${f.file}\0${f.offset}\0${message}`);
      return s ? { ...f, ...s } : { ...f, message };
    });
  },
};

export default rule;

/**
 * Whether the port appears (as a whole number) elsewhere in the command's code block (or, for a
 * command in a code span, its line), outside the spans the fix edits: a side server's port that
 * the block's `curl localhost:52130` and `API_URL=…:52130` use too is a deliberate choice.
 */
function portUsedElsewhere(text: string, block: { start: number; end: number } | undefined, offset: number, port: string, edits: ReadonlyArray<{ start: number; end: number }>): boolean {
  const from = block?.start ?? text.lastIndexOf('\n', offset) + 1;
  const lineEnd = text.indexOf('\n', offset);
  const to = block?.end ?? (lineEnd === -1 ? text.length : lineEnd);
  const re = new RegExp(`(?<![\\d.])${port}(?![\\d])`, 'g');
  re.lastIndex = from;
  for (let m = re.exec(text); m && m.index < to; m = re.exec(text)) {
    const at = m.index;
    if (!edits.some((e) => e.start <= at && at < e.end)) return true;
  }
  return false;
}
