/**
 * The campaign summary as Markdown, for `$GITHUB_STEP_SUMMARY` and `--markdown`: the totals,
 * one row per rule, acceptance over time (when PRs exist), one row per repository, the notes.
 *
 * Repository names, URLs, notes and errors come from the result files, which come from the
 * targets: every such string goes through `text()` (no HTML, no Markdown syntax, no line
 * break, no control character) and a link is only written for an http(s) URL.
 */
import { escapeControls } from '../report/escape.js';
import type { CampaignSummary, PrState } from './aggregate.js';

/** Longest note or error shown in a table cell; the JSON has them whole. */
const MAX_CELL = 200;

/**
 * Untrusted text for a table cell or a list item: one line, every Markdown and HTML
 * metacharacter backslash-escaped (CommonMark shows them literally), `|` too for GFM tables.
 */
export function text(s: string, max = MAX_CELL): string {
  let one = escapeControls(s.replace(/\r\n|[\r\n]+/g, ' '));
  if (one.length > max) one = `${one.slice(0, max - 1)}…`;
  return one.replace(/[\\`*_{}[\]()<>#+!|~&]/g, (c) => `\\${c}`);
}

/** An http(s) URL fit for a Markdown link target, else undefined. */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  // The serialised URL percent-encodes spaces, quotes and angle brackets; parentheses would end
  // the link target early.
  return parsed.href.replace(/\(/g, '%28').replace(/\)/g, '%29');
}

export const stateLabel = (s: PrState | undefined, obsolete = false): string => (s === 'closed' ? (obsolete ? 'closed, no longer needed' : 'closed without merge') : s ?? '');

export const percent = (x: number): string => `${Math.round(x * 100)}%`;

function prCell(pr: { number?: number; url?: string } | undefined): string {
  if (!pr) return '';
  const label = pr.number !== undefined ? `#${pr.number}` : 'PR';
  const url = safeUrl(pr.url);
  return url ? `[${label}](${url})` : label;
}

export function renderMarkdown(summary: CampaignSummary, options: { title?: string } = {}): string {
  const t = summary.totals;
  const o = t.outcomes;
  const lines: string[] = [`## ${text(options.title ?? 'autopack-fix campaign')}`, ''];
  lines.push(
    `${summary.repositories} repositories (${summary.results} result files) · ${t.repositoriesAffected} affected · ${t.findings} findings · ${t.fixes} fixes proposed · ` +
      `${o.opened} PRs opened, ${o.updated} updated, ${o.unchanged} unchanged, ${o['dry-run']} dry-run · ${o.capped} capped · ${o.skipped} skipped · ${t.errors} errors`,
    '',
  );
  if (t.prs > 0) {
    const acceptance = t.acceptance !== undefined ? ` · acceptance ${percent(t.acceptance)} (merged of decided)` : '';
    const obsolete = t.closedAsObsolete > 0 ? ` · ${t.closedAsObsolete} closed by autopack-fix as no longer needed` : '';
    lines.push(`PRs so far: ${t.prs} · ${t.merged} merged · ${t.closedWithoutMerge} closed without merge${obsolete} · ${t.open} open${acceptance}`, '');
  }

  lines.push('### By rule', '');
  if (summary.rules.length === 0) lines.push('No rule found anything.', '');
  else {
    lines.push('| rule | repositories | findings | fixes | PRs opened | PRs updated | dry-run | merged | closed without merge | errors |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of summary.rules) {
      lines.push(`| ${text(r.rule)} | ${r.repositories} | ${r.findings} | ${r.fixes} | ${r.opened} | ${r.updated} | ${r.dryRun} | ${r.merged} | ${r.closedWithoutMerge} | ${r.errors} |`);
    }
    lines.push('');
  }

  if (summary.waves.some((w) => w.opened > 0)) {
    lines.push('### Acceptance over time', '', 'PRs by the wave that opened them (the UTC day the run started), in their last known state.', '');
    lines.push('| wave | repositories run | PRs opened | merged | closed without merge | no longer needed | open | unknown |', '|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const w of summary.waves) lines.push(`| ${text(w.wave)} | ${w.repositories} | ${w.opened} | ${w.merged} | ${w.closedWithoutMerge} | ${w.closedAsObsolete} | ${w.open} | ${w.unknown} |`);
    lines.push('');
  }

  lines.push('### By repository', '');
  if (summary.repos.length === 0) lines.push('No repository results.', '');
  else {
    lines.push('| repository | shard | findings | fixes | outcome | PR | PR state | errors and notes |', '|---|---:|---:|---:|---|---|---|---|');
    for (const r of summary.repos) {
      const remarks = [...r.errors.map((e) => `error: ${e}`), ...r.notes].map((s) => text(s)).join('<br>');
      lines.push(`| ${text(r.repo)} | ${r.shard} | ${r.findings} | ${r.fixes} | ${r.outcome} | ${prCell(r.pr)} | ${stateLabel(r.pr?.state, r.pr?.obsolete)} | ${remarks} |`);
    }
    lines.push('');
  }

  if (summary.notes.length > 0) {
    lines.push('### Notes', '');
    for (const n of summary.notes) lines.push(`- ${text(n, 1000)}`);
    lines.push('');
  }
  return `${lines.join('\n')}`;
}
