import type { Safety } from '../model/types.js';
import type { BuiltCommit, FixBuild } from '../pipeline/branch.js';
import type { CommitInfo } from '../git/commits.js';
import { packageInfo, ruleDocsUrl } from '../util/package-info.js';
import { encodeState, type PrState } from './state.js';

export interface PrBodyInput {
  base: string;
  branch: string;
  /** The fixes, as computed from the base (the table and the details). */
  fresh: FixBuild;
  /** The bot's commits as they are on the branch, oldest first. */
  commits: Array<Pick<CommitInfo, 'sha' | 'subject'>>;
  /** Others' commits on the branch (kept by the bot). */
  others: Array<Pick<CommitInfo, 'sha' | 'subject' | 'authorName'>>;
  unsafeFixes: boolean;
  state: PrState;
  /** A rule's README URL (undefined: no link). */
  docsUrl: (ruleId: string) => string | undefined;
  rules: ReadonlyArray<{ meta: { id: string; summary: string; seedIds: string[] } }>;
}

interface Row {
  ruleId: string;
  safety: Safety;
  files: string[];
  findings: number;
}

export function prTitle(fresh: FixBuild): string {
  const fixes = fresh.commits.reduce((n, c) => n + c.findings.length, 0);
  const rules = new Set(fresh.commits.map((c) => c.ruleId)).size;
  return `fix: repository drift found by autopack-fix (${fixes} finding${fixes === 1 ? '' : 's'}, ${rules} rule${rules === 1 ? '' : 's'})`;
}

const FILES_SHOWN = 4;

function rows(commits: readonly BuiltCommit[]): Row[] {
  const out: Row[] = [];
  for (const c of commits) {
    const row = out.find((r) => r.ruleId === c.ruleId && r.safety === c.safety);
    if (row) {
      row.files = [...new Set([...row.files, ...c.files])].sort();
      row.findings += c.findings.length;
    } else {
      out.push({ ruleId: c.ruleId, safety: c.safety, files: [...c.files], findings: c.findings.length });
    }
  }
  return out;
}

/** Markdown inline code that survives backticks in the text. */
function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${text}${fence.length > 1 ? ' ' : ''}${fence}`;
}

/** Text for a table cell: no pipes or line breaks that would break the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * The PR body: what the bot did (a table rule → files → safety → why, with links to the rules'
 * READMEs), what it held back, the commits, the details of every finding, how to steer the bot,
 * and the hidden state block. Deterministic for the same input, so an unchanged run leaves the
 * body byte-identical and needs no update.
 */
export function prBody(input: PrBodyInput): string {
  const { fresh } = input;
  const summaryOf = (id: string): string => input.rules.find((r) => r.meta.id === id)?.meta.summary ?? '';
  const lines: string[] = [];
  const total = fresh.commits.reduce((n, c) => n + c.findings.length, 0);
  lines.push(`autopack-fix found repository drift on ${code(input.base)} and fixed ${total} finding${total === 1 ? '' : 's'}, one commit per rule.`);
  lines.push('Every fix was proven before it was kept: the files it touches still parse, the rule no longer reports the problem, and no byte outside the fix\'s declared spans changed.');
  lines.push('');
  lines.push('| rule | files | safety | why |');
  lines.push('|---|---|---|---|');
  for (const row of rows(fresh.commits)) {
    const url = input.docsUrl(row.ruleId);
    const name = url ? `[${row.ruleId}](${url})` : code(row.ruleId);
    const shown = row.files.slice(0, FILES_SHOWN).map(code).join(', ');
    const more = row.files.length > FILES_SHOWN ? ` and ${row.files.length - FILES_SHOWN} more` : '';
    const safety = row.safety === 'review' ? '**review**' : 'safe';
    lines.push(`| ${name} | ${cell(shown + more)} | ${safety} | ${cell(summaryOf(row.ruleId))} |`);
  }
  lines.push('');
  const held = fresh.heldBack.length;
  if (input.unsafeFixes) {
    const review = fresh.commits.filter((c) => c.safety === 'review').length;
    lines.push(review ? `**${review} review-class commit${review === 1 ? '' : 's'}** (judgment calls, applied because unsafe fixes are enabled) come last: check them before merging.` : 'Review-class fixes are enabled; none was needed.');
  } else {
    lines.push(`Review-class fixes held back: **${held}**${held ? ` (${[...new Set(fresh.heldBack.map((f) => f.ruleId))].map(code).join(', ')}; enable them with \`--unsafe-fixes\` or the action's \`unsafe-fixes: true\`)` : ''}.`);
  }
  if (fresh.reportOnly.length) {
    const how = packageInfo().repositoryUrl;
    lines.push(`Findings with no automatic fix (report only): **${fresh.reportOnly.length}**; run ${how ? `[autopack-fix](${how}#readme)` : 'autopack-fix'} on the repository to list them.`);
  }
  lines.push('');
  lines.push('### Commits');
  lines.push('');
  for (const c of input.commits) lines.push(`- ${c.sha.slice(0, 12)} ${code(c.subject)}`);
  if (input.others.length) {
    lines.push('');
    lines.push(`This branch also holds ${input.others.length} commit${input.others.length === 1 ? '' : 's'} by others, kept as they are; the bot's commits are rebuilt on top of them:`);
    for (const c of input.others) lines.push(`- ${c.sha.slice(0, 12)} ${code(c.subject)} (${cell(c.authorName)})`);
  }
  lines.push('');
  lines.push('<details><summary>What was wrong, and where</summary>');
  lines.push('');
  for (const c of fresh.commits) {
    lines.push(`**${c.ruleId}**${c.safety === 'review' ? ' (review)' : ''}${c.followUp ? ' (follow-up)' : ''}`);
    lines.push('');
    for (const f of c.findings) lines.push(`- ${code(`${f.file}:${f.line}`)}: ${cell(f.message)}${f.fix ? ` → ${cell(f.fix.description)}` : ''}`);
    lines.push('');
  }
  lines.push('</details>');
  lines.push('');
  lines.push('---');
  lines.push('- **Merge** as is, or revert single commits: each holds one rule\'s fixes.');
  lines.push('- **Close without merging** and the bot will not propose these same fixes again (until the findings change).');
  lines.push('- **Push your own commits** to this branch and the bot keeps them: it rebuilds its commits on top of yours, or, if that conflicts, leaves the branch alone and says so here.');
  lines.push('');
  lines.push(encodeState(input.state));
  return `${lines.join('\n')}\n`;
}

/** The comment when the bot's fixes are no longer needed and it closes its own PR. */
export function obsoleteComment(base: string): string {
  return `autopack-fix finds nothing left to fix on ${code(base)}: these fixes are no longer needed, so this pull request is closed.`;
}

export function blockedComment(reason: string, marker: string): string {
  return [
    `autopack-fix could not update this branch: ${reason}.`,
    '',
    'The branch is left exactly as it is. Resolve it by rebasing the branch onto the base yourself, or delete the branch and the bot will open a fresh pull request on its next run.',
    '',
    marker,
  ].join('\n');
}

/**
 * Where a rule's README is linked from the table: a `--docs-url` template (`{rule}` is
 * replaced), else codemods/<id>/README.md in the repository (package.json `repository`), at
 * this version's release tag.
 */
export function docsUrlResolver(template: string | undefined): (ruleId: string) => string | undefined {
  if (template) return (id) => template.replace(/\{rule\}/g, id);
  return ruleDocsUrl;
}

export function packageVersion(): string {
  return packageInfo().version;
}
