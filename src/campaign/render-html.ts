/**
 * The campaign summary as one static HTML page: no external asset, no script; the style is
 * inline and the charts are inline SVG, so the file renders the same from an artifact, a
 * mail attachment or a disk. A Content-Security-Policy forbids scripts and remote loads as a
 * second line of defence behind the escaping: every string from a result file (repository
 * names, URLs, notes, errors) goes through `esc()`, and a link is only written for an
 * http(s) URL.
 */
import type { CampaignSummary, RuleRow } from './aggregate.js';
import { percent, safeUrl, stateLabel } from './render-markdown.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an HTML text node or a quoted attribute value. */
export function esc(s: string | number): string {
  // Controls other than tab and newline have no business on the page (and \0 is not allowed).
  return String(s)
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, '\ufffd')
    .replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

/** The bars of a rule's chart, in order, with their labels. */
export const CHART_METRICS: ReadonlyArray<{ key: keyof RuleRow; label: string; colour: string }> = [
  { key: 'repositories', label: 'repositories', colour: '#57606a' },
  { key: 'fixes', label: 'fixes proposed', colour: '#0969da' },
  { key: 'opened', label: 'PRs opened', colour: '#8250df' },
  { key: 'updated', label: 'PRs updated', colour: '#bf8700' },
  { key: 'merged', label: 'merged', colour: '#1a7f37' },
  { key: 'closedWithoutMerge', label: 'closed without merge', colour: '#cf222e' },
  { key: 'errors', label: 'errors', colour: '#953800' },
];

const LABEL_W = 170;
const BAR_W = 300;
const ROW_H = 22;

function chart(rule: RuleRow, max: number): string {
  const height = CHART_METRICS.length * ROW_H + 4;
  const width = LABEL_W + BAR_W + 50;
  const bars = CHART_METRICS.map((m, i) => {
    const count = rule[m.key] as number;
    const y = 2 + i * ROW_H;
    // A zero is a hairline, so the row still reads as a bar of nothing rather than a gap.
    const w = count === 0 ? 1 : Math.max(2, Math.round((count / max) * BAR_W));
    return (
      `<g class="bar" data-metric="${esc(m.key)}" data-count="${count}">` +
      `<text x="${LABEL_W - 8}" y="${y + 15}" text-anchor="end">${esc(m.label)}</text>` +
      `<rect x="${LABEL_W}" y="${y + 3}" width="${w}" height="${ROW_H - 6}" fill="${m.colour}"><title>${esc(`${m.label}: ${count}`)}</title></rect>` +
      `<text class="count" x="${LABEL_W + w + 6}" y="${y + 15}">${count}</text></g>`
    );
  }).join('');
  const label = `${rule.rule}: ${CHART_METRICS.map((m) => `${m.label} ${rule[m.key] as number}`).join(', ')}`;
  return `<figure class="chart" data-rule="${esc(rule.rule)}"><figcaption><code>${esc(rule.rule)}</code></figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(label)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${bars}</svg></figure>`;
}

function link(url: string | undefined, label: string): string {
  const safe = safeUrl(url);
  return safe ? `<a href="${esc(safe)}" rel="noopener noreferrer">${esc(label)}</a>` : esc(label);
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;margin:24px auto;max-width:1100px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.muted{color:#59636e}
dl.totals{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px;margin:12px 0}
dl.totals div{border:1px solid #d0d7de;border-radius:6px;padding:6px 10px}
dl.totals dt{color:#59636e;font-size:12px}dl.totals dd{margin:0;font-size:20px;font-weight:600}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.error td{background:#fff5f5}
.charts{display:flex;flex-wrap:wrap;gap:12px}
figure.chart{margin:0;border:1px solid #d0d7de;border-radius:6px;padding:8px}
figure.chart figcaption{font-weight:600;margin-bottom:4px}
svg text{font:12px system-ui,sans-serif;fill:#1f2328}
ul.remarks{margin:0;padding-left:16px}
`;

export function renderHtml(summary: CampaignSummary, options: { title?: string } = {}): string {
  const title = options.title ?? 'autopack-fix campaign';
  const t = summary.totals;
  const o = t.outcomes;
  const tiles: Array<[string, string | number]> = [
    ['repositories', summary.repositories],
    ['affected', t.repositoriesAffected],
    ['findings', t.findings],
    ['fixes proposed', t.fixes],
    ['PRs opened', o.opened],
    ['PRs updated', o.updated],
    ['dry-run', o['dry-run']],
    ['capped', o.capped],
    ['skipped', o.skipped],
    ['errors', t.errors],
    ['merged', t.merged],
    ['closed without merge', t.closedWithoutMerge],
    ['closed, no longer needed', t.closedAsObsolete],
    ['open PRs', t.open],
    ['acceptance', t.acceptance !== undefined ? percent(t.acceptance) : '–'],
  ];
  const parts: string[] = [];
  parts.push(
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${esc(title)}</h1>`,
    `<p class="muted">${summary.repositories} repositories from ${summary.results} result files · generated ${esc(summary.generatedAt)}</p>`,
    `<dl class="totals">${tiles.map(([k, v]) => `<div data-total="${esc(k)}"><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join('')}</dl>`,
  );

  parts.push('<h2>By rule</h2>');
  if (summary.rules.length === 0) parts.push('<p>No rule found anything.</p>');
  else {
    const heads = ['rule', 'repositories', 'findings', 'fixes', 'PRs opened', 'PRs updated', 'dry-run', 'merged', 'closed without merge', 'errors'];
    parts.push(`<table id="rules"><thead><tr>${heads.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>`);
    for (const r of summary.rules) {
      const cells = [r.repositories, r.findings, r.fixes, r.opened, r.updated, r.dryRun, r.merged, r.closedWithoutMerge, r.errors];
      parts.push(`<tr data-rule="${esc(r.rule)}"><td><code>${esc(r.rule)}</code></td>${cells.map((c) => `<td class="n">${c}</td>`).join('')}</tr>`);
    }
    parts.push('</tbody></table>');
    const max = Math.max(1, ...summary.rules.flatMap((r) => CHART_METRICS.map((m) => r[m.key] as number)));
    parts.push(`<div class="charts">${summary.rules.map((r) => chart(r, max)).join('')}</div>`);
  }

  if (summary.waves.some((w) => w.opened > 0)) {
    parts.push('<h2>Acceptance over time</h2><p class="muted">PRs by the wave that opened them (the UTC day the run started), in their last known state.</p>');
    parts.push('<table id="waves"><thead><tr><th>wave</th><th>repositories run</th><th>PRs opened</th><th>merged</th><th>closed without merge</th><th>no longer needed</th><th>open</th><th>unknown</th></tr></thead><tbody>');
    for (const w of summary.waves) {
      parts.push(`<tr data-wave="${esc(w.wave)}"><td>${esc(w.wave)}</td>${[w.repositories, w.opened, w.merged, w.closedWithoutMerge, w.closedAsObsolete, w.open, w.unknown].map((c) => `<td class="n">${c}</td>`).join('')}</tr>`);
    }
    parts.push('</tbody></table>');
  }

  parts.push('<h2>By repository</h2>');
  if (summary.repos.length === 0) parts.push('<p>No repository results.</p>');
  else {
    parts.push('<table id="repos"><thead><tr><th>repository</th><th>shard</th><th>findings</th><th>fixes</th><th>rules</th><th>outcome</th><th>PR</th><th>PR state</th><th>errors and notes</th></tr></thead><tbody>');
    for (const r of summary.repos) {
      const remarks = [...r.errors.map((e) => `error: ${e}`), ...r.notes];
      const pr = r.pr ? link(r.pr.url, r.pr.number !== undefined ? `#${r.pr.number}` : 'PR') : '';
      parts.push(
        `<tr data-repo="${esc(r.repo)}" data-outcome="${esc(r.outcome)}"${r.errors.length > 0 || r.outcome === 'error' ? ' class="error"' : ''}>` +
          `<td>${esc(r.repo)}</td><td class="n">${r.shard}</td><td class="n">${r.findings}</td><td class="n">${r.fixes}</td>` +
          `<td>${r.rules.map((x) => `<code>${esc(x)}</code>`).join(' ')}</td><td>${esc(r.outcome)}</td><td>${pr}</td><td>${esc(stateLabel(r.pr?.state, r.pr?.obsolete))}</td>` +
          `<td>${remarks.length > 0 ? `<ul class="remarks">${remarks.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>` : ''}</td></tr>`,
      );
    }
    parts.push('</tbody></table>');
  }

  if (summary.notes.length > 0) parts.push(`<h2>Notes</h2><ul id="notes">${summary.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  parts.push('</body></html>', '');
  return parts.join('\n');
}
