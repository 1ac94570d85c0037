/**
 * `--format github`: GitHub Actions workflow commands, one annotation per finding
 * (https://docs.github.com/actions/reference/workflow-commands-for-github-actions):
 *
 *   ::error file=compose.yml,line=3,col=5,title=compose-unknown-service::message
 *
 * Escaping follows the runner's own rules (actions/toolkit `command.ts`): in the message
 * (data) `%`, `\r`, `\n` become `%25`, `%0D`, `%0A`; in property values `:` and `,` are escaped
 * too (`%3A`, `%2C`), since they delimit properties. Severity maps to the command:
 * error → `error`, warning → `warning`, info → `notice`.
 *
 * The runner decodes those escapes, so a file name with a newline, `:` or `,` reaches it whole
 * and no line of the output starts a command of its own. The other control characters (ESC,
 * tab, C1, bidi controls …) are escaped visibly (`\033`, escape.ts) in every property and in
 * the message, since the log viewer would act on them; an annotation on a file whose name holds
 * one then names the file without landing on it.
 */
import type { Diagnostic, Finding, Severity } from '../model/types.js';
import { escapeControls } from './escape.js';

const COMMAND: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', info: 'notice' };

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Control characters other than CR and LF (which the runner's own escapes carry), shown escaped. */
function visible(s: string): string {
  return s
    .split(/(\r|\n)/)
    .map((part) => (part === '\r' || part === '\n' ? part : escapeControls(part)))
    .join('');
}

function command(name: string, props: Array<[string, string | number | undefined]>, message: string): string {
  const p = props.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k}=${escapeProperty(visible(String(v)))}`);
  return `::${name}${p.length ? ` ${p.join(',')}` : ''}::${escapeData(visible(message))}\n`;
}

/**
 * One annotation per finding, sorted by file, line, column and rule. With `maxPerKind`, at most
 * that many of each command (GitHub shows 10 errors and 10 warnings of a step and drops the
 * rest silently), then one notice with the count of the rest.
 */
export function githubReport(findings: readonly Finding[], options: { diagnostics?: readonly Diagnostic[]; maxPerKind?: number } = {}): string {
  const sorted = [...findings].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0));
  let out = '';
  const shown = new Map<string, number>();
  let left = 0;
  for (const f of sorted) {
    const kind = COMMAND[f.severity];
    const n = shown.get(kind) ?? 0;
    if (options.maxPerKind !== undefined && n >= options.maxPerKind) {
      left++;
      continue;
    }
    shown.set(kind, n + 1);
    const fix = f.fix ? ` (${f.fix.safety} fix: ${f.fix.description})` : '';
    out += command(kind, [['file', f.file], ['line', f.line], ['col', f.column], ['title', f.ruleId]], `${f.message}${fix}`);
  }
  if (left > 0) {
    out += command('notice', [['title', 'autopack-fix']], `${left} more finding${left === 1 ? '' : 's'} not annotated here (GitHub shows ${options.maxPerKind} of each kind per step): see the job summary, the code scanning alerts (SARIF), or run autopack-fix locally`);
  }
  // Problems the run met (unparsable files, dropped fixes) are warnings: they hide findings.
  for (const d of options.diagnostics ?? []) {
    if (d.kind === 'note' || d.kind === 'skipped') continue;
    out += command(d.kind === 'write-error' ? 'error' : 'warning', [['file', d.file || undefined], ['line', d.line], ['col', d.column], ['title', `autopack-fix ${d.kind}${d.ruleId ? ` (${d.ruleId})` : ''}`]], d.message);
  }
  return out;
}
