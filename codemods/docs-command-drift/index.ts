import type { Rule } from '../../src/model/rule.js';
import { DOCS_OPTIONS, readsDocsAndHistories } from '../docs-options.js';
import { createdInSeries, DOC_COMMANDS } from '../../src/facts/docs/commands.js';
import { docsWithHistories, historyDocs } from '../../src/facts/docs/doc-files.js';
import { docsOptions } from '../../src/facts/docs/options.js';
import { judgedFromEveryCwd, readDoc } from '../../src/facts/docs/findings.js';
import { pathHistories } from '../../src/facts/docs/relocation.js';
import { doubtful, saidFindings, sayOutsideRecords, type SaidProblem } from '../docs-messages.js';
import type { Env } from './context.js';
import { MESSAGES } from './messages.js';
import { composeProblems } from './compose.js';
import { serverProblems } from './server.js';
import { scriptProblems, settleScript, type ScriptRef } from './python.js';

/** Constructors whose module-level result is an application object. An option, not logic. */
export const DEFAULT_APP_FACTORIES = ['FastAPI', 'Starlette', 'Quart', 'Litestar', 'Sanic', 'Flask', 'Falcon', 'get_asgi_application', 'get_wsgi_application'];

/**
 * Commands written in docs (code spans, shell and Dockerfile code blocks, command strings of
 * JSON index files) that name a compose service the command's compose files do not define, an
 * ASGI/WSGI target that does not resolve from the repository root, or a Python script / module
 * that does not exist (seeds 1.5, 2.9; 2.8 for scripts). The fix rewrites only the stale word
 * when exactly one replacement is meant.
 */
export const rule: Rule = {
  meta: {
    id: 'docs-command-drift',
    seedIds: ['1.5', '2.9'],
    summary: 'Commands in docs name compose services, app targets or scripts that do not exist; use the real ones.',
    defaultSeverity: 'warning',
    fixable: 'safe',
    messages: MESSAGES,
    options: {
      appFactories: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Constructors whose module-level result counts as an application object.', default: DEFAULT_APP_FACTORIES },
      ...DOCS_OPTIONS,
    },
  },
  docsReadAhead: readsDocsAndHistories,
  reads: [DOC_COMMANDS],
  async check({ facts, workspace, options }) {
    const opts = docsOptions(options);
    const factories = Array.isArray(options.appFactories) ? (options.appFactories as string[]) : DEFAULT_APP_FACTORIES;
    const problems: SaidProblem[] = [];
    const scripts: ScriptRef[] = [];
    const historyFiles = new Set(historyDocs(workspace, opts).map((d) => d.path));
    for (const doc of docsWithHistories(workspace, opts)) {
      const read = await readDoc(workspace, doc, opts);
      if (!read) continue;
      const env: Env = { meta: rule.meta, ws: workspace, facts, opts, factories, q: { ws: workspace, file: read.file, model: read.model, opts, ledger: historyFiles.has(doc.path) }, editable: workspace.isEditable(doc.path), series: await createdInSeries(workspace, doc.path, opts) };
      const docProblems: SaidProblem[] = [];
      for (const cmd of read.commands) {
        // Script references wait for git history; everything else is settled now.
        docProblems.push(
          ...(await judgedFromEveryCwd<SaidProblem>(
            cmd,
            async (c) => [...(await composeProblems(env, c)), ...(await serverProblems(env, c)), ...scriptProblems(env, c, [])],
            (p) => `${p.kind}\0${p.offset}\0${p.subject}`,
            doubtful(rule.meta),
          )),
        );
        const refs = await judgedFromEveryCwd<ScriptRef>(
          cmd,
          (c) => {
            const found: ScriptRef[] = [];
            scriptProblems(env, c, found);
            return found;
          },
          (r) => `${r.offset}\0${r.value}`,
          (r, why) => ({ ...r, reviewBecause: why }),
        );
        scripts.push(...refs);
      }
      problems.push(...sayOutsideRecords(rule.meta, env.q, docProblems));
    }
    const histories = await pathHistories(workspace, scripts.map((s) => ({ path: s.path, dir: false })));
    for (const s of scripts) {
      const p = settleScript(s, histories);
      if (p) problems.push(...sayOutsideRecords(rule.meta, s.env.q, [p]));
    }
    // Compose services and legacy commands in docs are seed 1.5; stale server targets 2.9.
    const seeds: Record<string, string[]> = { 'compose-service': ['1.5'], 'app-target': ['2.9'], script: ['1.5'], module: ['1.5'] };
    return saidFindings(problems.map((p) => ({ ...p, seedIds: seeds[p.kind] ?? [] })));
  },
};

export default rule;

