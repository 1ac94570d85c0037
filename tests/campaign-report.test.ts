/**
 * `campaign report`: the merged counts against per-repository results with known counts (two
 * waves, an errored repository, a capped one, a newer-format file, bad JSON, a plan among the
 * results), the Markdown and JSON it writes, `--refresh` against a local stand-in of the PR
 * API, and escaping of what the result files say.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { aggregate, parseRepoResult, type CampaignSummary } from '../src/campaign/aggregate.js';
import { campaignReportCommand } from '../src/campaign/report.js';
import { readPrStates } from '../src/campaign/refresh.js';
import { renderHtml } from '../src/campaign/render-html.js';
import { renderMarkdown } from '../src/campaign/render-markdown.js';
import type { RepoResult } from '../src/campaign/result.js';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { campaignResults, writeCampaignResults, WAVE2 } from './helpers/campaign-results.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apf-campaign-report-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function report(args: Partial<Parameters<typeof campaignReportCommand>[0]>, env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const code = await campaignReportCommand({ results: [], tokenEnv: 'GITHUB_TOKEN', ...args }, { out: (s) => (out += s), err: (s) => (err += s), env });
  return { code, out, err };
}

const ruleRow = (s: CampaignSummary, rule: string) => s.rules.find((r) => r.rule === rule);

describe('aggregation', () => {
  it('counts match the per-repository results', () => {
    const results = campaignResults()
      .map((e) => (typeof e.result === 'string' ? e.result : parseRepoResult(e.result)))
      .filter((r): r is RepoResult => typeof r !== 'string');
    expect(results).toHaveLength(9); // 12 files: a newer version, bad JSON and the plan are not results
    const s = aggregate(results, { generatedAt: WAVE2 });
    expect(s.repositories).toBe(7);
    expect(s.results).toBe(9);
    expect(ruleRow(s, 'rule-a')).toEqual({ rule: 'rule-a', repositories: 3, findings: 4, fixes: 4, opened: 1, updated: 1, dryRun: 0, merged: 0, closedWithoutMerge: 0, closedAsObsolete: 0, open: 2, errors: 1 });
    expect(ruleRow(s, 'rule-b')).toEqual({ rule: 'rule-b', repositories: 2, findings: 4, fixes: 3, opened: 1, updated: 0, dryRun: 0, merged: 0, closedWithoutMerge: 0, closedAsObsolete: 0, open: 2, errors: 0 });
    expect(ruleRow(s, 'rule-c')).toEqual({ rule: 'rule-c', repositories: 1, findings: 1, fixes: 0, opened: 0, updated: 0, dryRun: 0, merged: 0, closedWithoutMerge: 0, closedAsObsolete: 0, open: 0, errors: 0 });
    expect(s.totals).toEqual({
      repositoriesAffected: 5,
      findings: 9,
      fixes: 7,
      outcomes: { opened: 1, updated: 1, unchanged: 0, none: 2, 'dry-run': 0, capped: 1, skipped: 0, error: 2 },
      errors: 2,
      prs: 3,
      merged: 0,
      closedWithoutMerge: 0,
      closedAsObsolete: 0,
      open: 3,
    });
    // The totals are the sums over the latest result of each repository.
    const latest = s.repos.map((r) => r.repo);
    expect(latest).toEqual(['acme/alpha', 'acme/beta', 'acme/delta', 'acme/epsilon', 'acme/eta', 'acme/gamma', 'acme/zeta']);
    expect(s.repos.reduce((a, r) => a + r.findings, 0)).toBe(s.totals.findings);
    expect(s.rules.reduce((a, r) => a + r.findings, 0)).toBe(s.totals.findings);
    expect(s.repos.find((r) => r.repo === 'acme/beta')).toMatchObject({ outcome: 'updated', shard: 0, pr: { number: 4, state: 'open' } });
    expect(s.repos.find((r) => r.repo === 'acme/delta')).toMatchObject({ outcome: 'capped', notes: ['--max-prs 2 reached for this wave'] });
    // PRs by the wave that opened them.
    expect(s.waves).toEqual([
      { wave: '2026-11-26', repositories: 2, opened: 2, merged: 0, closedWithoutMerge: 0, closedAsObsolete: 0, open: 2, unknown: 0 },
      { wave: '2026-12-03', repositories: 7, opened: 1, merged: 0, closedWithoutMerge: 0, closedAsObsolete: 0, open: 1, unknown: 0 },
    ]);
  });

  it('PR states read back win, and acceptance follows', () => {
    const results = campaignResults().map((e) => parseRepoResult(e.result)).filter((r): r is RepoResult => typeof r !== 'string');
    const s = aggregate(results, { states: new Map([['acme/beta#4', 'closed'], ['acme/zeta#7', 'merged']]) });
    expect(ruleRow(s, 'rule-a')).toMatchObject({ merged: 0, closedWithoutMerge: 1, open: 1 });
    expect(ruleRow(s, 'rule-b')).toMatchObject({ merged: 1, closedWithoutMerge: 0, open: 1 });
    expect(s.totals).toMatchObject({ merged: 1, closedWithoutMerge: 1, open: 1, acceptance: 0.5 });
    expect(s.waves[0]).toMatchObject({ opened: 2, merged: 1, closedWithoutMerge: 1, open: 0 });
  });

  it('a PR autopack-fix closed as no longer needed is neither merged nor declined; merged is final', () => {
    const r = (repo: string, startedAt: string, pr: RepoResult['pr'], fixes: Record<string, number> = {}): RepoResult => ({ version: 1, repo, shard: 0, startedAt, findings: fixes, fixes, pr, notes: [], errors: [], timings: {} });
    const results = [
      r('o/a', '2026-11-01T00:00:00Z', { outcome: 'opened', number: 1 }, { x: 1 }),
      r('o/a', '2026-11-08T00:00:00Z', { outcome: 'none', number: 1, state: 'closed' }),
      r('o/b', '2026-11-01T00:00:00Z', { outcome: 'opened', number: 2 }, { x: 1 }),
      r('o/b', '2026-11-08T00:00:00Z', { outcome: 'skipped', number: 2, state: 'closed' }, { x: 1 }),
      r('o/c', '2026-11-01T00:00:00Z', { outcome: 'opened', number: 3, state: 'merged' }, { x: 1 }),
      r('o/c', '2026-11-08T00:00:00Z', { outcome: 'none', number: 3, state: 'open' }),
    ];
    const s = aggregate(results);
    expect(s.prs.map((p) => [p.repo, p.state, !!p.obsolete])).toEqual([
      ['o/a', 'closed', true],
      ['o/b', 'closed', false],
      ['o/c', 'merged', false],
    ]);
    expect(s.totals).toMatchObject({ merged: 1, closedWithoutMerge: 1, closedAsObsolete: 1, open: 0, acceptance: 0.5 });
    expect(ruleRow(s, 'x')).toMatchObject({ merged: 1, closedWithoutMerge: 1, closedAsObsolete: 1 });
    expect(s.waves[0]).toMatchObject({ opened: 3, merged: 1, closedWithoutMerge: 1, closedAsObsolete: 1 });
    expect(renderMarkdown(s)).toContain('| o/a | 0 | 0 | 0 | none | #1 | closed, no longer needed |');
    // Reopened since (a refresh says open): no longer obsolete.
    expect(aggregate(results, { states: new Map([['o/a#1', 'open']]) }).totals).toMatchObject({ closedAsObsolete: 0, open: 1 });
  });

  it('refuses what it cannot read, saying why', () => {
    expect(parseRepoResult({ version: 2, repo: 'a/b' })).toMatch(/^unknown version 2 \(this autopack-fix reads version 1\)$/);
    expect(parseRepoResult([])).toBe('not a JSON object');
    expect(parseRepoResult({ version: 1, repo: 'a/b', findings: { x: -1 }, pr: { outcome: 'none' } })).toBe('findings.x is not a count');
    expect(parseRepoResult({ version: 1, repo: 'a/b', pr: { outcome: 'merged' } })).toMatch(/^pr\.outcome is not one of/);
    expect(parseRepoResult({ version: 1, repo: 'a/b', pr: { outcome: 'opened', number: 0 } })).toBe('pr.number is not a PR number');
    expect(parseRepoResult({ version: 1, repo: 'a/b', pr: { outcome: 'none' } })).toMatchObject({ repo: 'a/b', findings: {}, fixes: {}, notes: [], errors: [] });
  });
});

describe('campaign report', () => {
  it('writes Markdown, JSON and HTML, appends the step summary, and names the files it skipped', async () => {
    writeCampaignResults(path.join(dir, 'in'));
    const stepSummary = path.join(dir, 'step-summary.md');
    writeFileSync(stepSummary, '# earlier step\n');
    const r = await report({ results: [path.join(dir, 'in')], out: path.join(dir, 'out') }, { GITHUB_STEP_SUMMARY: stepSummary });
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toContain(`note: ${path.join(dir, 'in', 'wave2', 'shard-1', 'acme__future.json')}: unknown version 99 (this autopack-fix reads version 1); skipped`);
    expect(r.err).toMatch(new RegExp(`note: ${path.join(dir, 'in', 'wave2', 'shard-1', 'broken.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON \\(.*\\); skipped`));
    expect(r.err).not.toContain('plan.json');
    expect(readdirSync(path.join(dir, 'out')).sort()).toEqual(['campaign-report.html', 'campaign-report.json', 'campaign-report.md']);

    const json = JSON.parse(readFileSync(path.join(dir, 'out', 'campaign-report.json'), 'utf8')) as CampaignSummary;
    expect(json.version).toBe(1);
    expect(json.repositories).toBe(7);
    expect(json.totals.fixes).toBe(7);
    expect(json.rules.map((x) => [x.rule, x.repositories, x.fixes, x.opened, x.errors])).toEqual([
      ['rule-a', 3, 4, 1, 1],
      ['rule-b', 2, 3, 1, 0],
      ['rule-c', 1, 0, 0, 0],
    ]);
    expect(json.notes).toHaveLength(2);

    const md = readFileSync(path.join(dir, 'out', 'campaign-report.md'), 'utf8');
    expect(md).toContain('| rule | repositories | findings | fixes | PRs opened | PRs updated | dry-run | merged | closed without merge | errors |');
    expect(md).toContain('| rule-a | 3 | 4 | 4 | 1 | 1 | 0 | 0 | 0 | 1 |');
    expect(md).toContain('| rule-b | 2 | 4 | 3 | 1 | 0 | 0 | 0 | 0 | 0 |');
    expect(md).toContain('| acme/alpha | 0 | 3 | 3 | opened | [#1](https://github.com/acme/alpha/pull/1) | open |  |');
    expect(md).toContain('| acme/gamma | 0 | 1 | 1 | error |  |  | error: git push failed: remote rejected |');
    expect(md).toContain('| acme/delta | 1 | 3 | 2 | capped |  |  | --max-prs 2 reached for this wave |');
    expect(md).toContain('| 2026-11-26 | 2 | 2 | 0 | 0 | 0 | 2 | 0 |');
    expect(md).toContain('7 repositories (9 result files) · 5 affected · 9 findings · 7 fixes proposed');
    const step = readFileSync(stepSummary, 'utf8');
    expect(step.startsWith('# earlier step\n## autopack-fix campaign')).toBe(true);
    expect(step).toContain('| rule-a | 3 | 4 | 4 | 1 | 1 | 0 | 0 | 0 | 1 |');
  });

  it('prints the Markdown when no output is named; explicit paths win over --out', async () => {
    writeCampaignResults(path.join(dir, 'in'));
    const printed = await report({ results: [path.join(dir, 'in', 'wave2')] });
    expect(printed.code).toBe(0);
    expect(printed.out).toContain('| rule-a | 3 | 4 | 4 | 1 | 1 | 0 | 0 | 0 | 1 |');
    const named = await report({ results: [path.join(dir, 'in', 'wave2', 'shard-0', 'acme__alpha.json')], out: path.join(dir, 'out'), html: path.join(dir, 'page.html') });
    expect(named.code).toBe(0);
    expect(readdirSync(path.join(dir, 'out')).sort()).toEqual(['campaign-report.json', 'campaign-report.md']);
    expect(readFileSync(path.join(dir, 'page.html'), 'utf8')).toContain('<tr data-rule="rule-a">');
  });

  it('a path that does not exist is an error; an empty folder is an empty report with a note', async () => {
    const missing = await report({ results: [path.join(dir, 'nope')] });
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`no such file or folder: ${path.join(dir, 'nope')}`);
    const empty = await report({ results: [dir] });
    expect(empty.code).toBe(0);
    expect(empty.err).toContain(`note: no campaign result in ${dir}`);
    expect(empty.out).toContain('No repository results.');
  });

  describe('--refresh', () => {
    let server: Server;
    let api: string;
    const seen: IncomingMessage[] = [];
    let beta = 0;
    beforeEach(async () => {
      seen.length = 0;
      beta = 0;
      server = createServer((req, res) => {
        seen.push(req);
        const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(body));
        };
        if (req.headers.authorization !== 'token tok-secret-1234') return send(401, { message: 'Bad credentials' });
        if (req.url === '/api/repos/acme/alpha/pulls/1') return send(200, { number: 1, state: 'open', merged_at: null });
        if (req.url === '/api/repos/acme/beta/pulls/4') {
          // A transient failure first: retried after the time the server asks for.
          if (beta++ === 0) return send(502, { message: 'Bad gateway' }, { 'retry-after': '0' });
          return send(200, { number: 4, state: 'closed', merged_at: null });
        }
        if (req.url === '/api/repos/acme/zeta/pulls/7') return send(200, { number: 7, state: 'closed', merged_at: '2026-11-28T10:00:00Z' });
        return send(404, { message: 'Not Found' });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
    });
    afterEach(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('reads back merged and closed PRs, retries a 5xx, and never writes the token', async () => {
      writeCampaignResults(path.join(dir, 'in'));
      const r = await report({ results: [path.join(dir, 'in')], out: path.join(dir, 'out'), refresh: true, apiUrl: api, tokenEnv: 'CAMPAIGN_TOKEN' }, { CAMPAIGN_TOKEN: 'tok-secret-1234' });
      expect(r.code).toBe(0);
      expect(r.err).toContain('refreshed 3 of 3 PR states');
      expect(seen.map((q) => q.url).sort()).toEqual(['/api/repos/acme/alpha/pulls/1', '/api/repos/acme/beta/pulls/4', '/api/repos/acme/beta/pulls/4', '/api/repos/acme/zeta/pulls/7']);
      const json = JSON.parse(readFileSync(path.join(dir, 'out', 'campaign-report.json'), 'utf8')) as CampaignSummary;
      expect(json.totals).toMatchObject({ merged: 1, closedWithoutMerge: 1, open: 1, acceptance: 0.5 });
      expect(json.rules.find((x) => x.rule === 'rule-a')).toMatchObject({ merged: 0, closedWithoutMerge: 1, open: 1 });
      expect(json.rules.find((x) => x.rule === 'rule-b')).toMatchObject({ merged: 1, closedWithoutMerge: 0, open: 1 });
      const md = readFileSync(path.join(dir, 'out', 'campaign-report.md'), 'utf8');
      expect(md).toContain('| 2026-11-26 | 2 | 2 | 1 | 1 | 0 | 0 | 0 |');
      expect(md).toContain('acceptance 50% (merged of decided)');
      expect(md).toContain('| acme/beta | 0 | 1 | 1 | updated | [#4](https://github.com/acme/beta/pull/4) | closed without merge |');
      for (const f of readdirSync(path.join(dir, 'out'))) expect(readFileSync(path.join(dir, 'out', f), 'utf8')).not.toContain('tok-secret-1234');
      expect(r.out + r.err).not.toContain('tok-secret-1234');
    });

    it('a PR it cannot read keeps its last known state, with a note', async () => {
      writeCampaignResults(path.join(dir, 'in'));
      // The wrong token: every request is refused.
      const r = await report({ results: [path.join(dir, 'in')], json: path.join(dir, 'r.json'), refresh: true, apiUrl: api }, { GITHUB_TOKEN: 'wrong-token-5678' });
      expect(r.code).toBe(0);
      expect(r.err).toContain('refreshed 0 of 3 PR states');
      expect(r.err).toContain('note: refresh: acme/alpha#1: HTTP 401; kept the last known state');
      const json = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8')) as CampaignSummary;
      expect(json.totals).toMatchObject({ merged: 0, closedWithoutMerge: 0, open: 3 });
      expect(json.notes.filter((n) => n.startsWith('refresh:'))).toHaveLength(3);
      expect(JSON.stringify(json) + r.err).not.toContain('wrong-token-5678');
    });
  });
});

describe('reading PR states back (readPrStates)', () => {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

  it('waits as GitHub asks, retries a network error, and gives up on a wait past its limit', async () => {
    const calls: string[] = [];
    const sleeps: number[] = [];
    const answers: Record<string, Array<() => Response>> = {
      '/repos/o/a/pulls/1': [() => json(429, {}, { 'retry-after': '7' }), () => json(200, { state: 'open', merged_at: null })],
      '/repos/o/b/pulls/2': [
        () => {
          throw new TypeError('fetch failed');
        },
        () => json(200, { state: 'closed', merged_at: '2026-12-01T00:00:00Z' }),
      ],
      '/repos/o/c/pulls/3': [() => json(403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600) })],
      '/repos/o/d/pulls/4': [() => json(404, { message: 'Not Found' })],
    };
    const fetch = (async (url: string) => {
      const p = new URL(url).pathname.replace(/^\/api/, '');
      calls.push(p);
      const next = answers[p]?.shift();
      if (!next) throw new Error(`unexpected ${p}`);
      return next();
    }) as unknown as typeof globalThis.fetch;
    const { states, notes } = await readPrStates(
      [{ repo: 'o/a', number: 1 }, { repo: 'o/b', number: 2 }, { repo: 'o/c', number: 3 }, { repo: 'o/d', number: 4 }, { repo: '../x', number: 5 }, { repo: 'o/..', number: 6 }],
      { apiUrl: 'http://127.0.0.1:1/api/', token: 'sekrit-token', userAgent: 't', fetch, sleep: async (ms) => void sleeps.push(ms), concurrency: 1 },
    );
    expect(Object.fromEntries(states)).toEqual({ 'o/a#1': 'open', 'o/b#2': 'merged' });
    expect(sleeps).toEqual([7000, 1000]);
    expect(calls).toEqual(['/repos/o/a/pulls/1', '/repos/o/a/pulls/1', '/repos/o/b/pulls/2', '/repos/o/b/pulls/2', '/repos/o/c/pulls/3', '/repos/o/d/pulls/4']);
    expect(notes).toEqual([
      'refresh: ../x#5: not an owner/name repository; state not read',
      'refresh: o/..#6: not an owner/name repository; state not read',
      expect.stringMatching(/^refresh: o\/c#3: HTTP 403 \(asked to wait \d+ s\); kept the last known state$/),
      'refresh: o/d#4: not found (deleted, or the token cannot see the repository); kept the last known state',
    ]);
  });
});

describe('escaping what the results say', () => {
  const hostile: RepoResult = {
    version: 1,
    repo: 'acme/<script>alert(1)</script>',
    shard: 0,
    startedAt: WAVE2,
    findings: { 'rule-<b>x</b>': 1 },
    fixes: { 'rule-<b>x</b>': 1 },
    pr: { outcome: 'opened', number: 2, url: 'javascript:alert(1)' },
    notes: ['<img src=x onerror=alert(1)> | [click](javascript:alert(2))\n## heading'],
    errors: ['"quoted" & \'single\''],
    timings: {},
  };
  const s = aggregate([hostile], { notes: ['file <evil>.json: skipped'] });

  it('HTML: every string from a result is text, and no link but http(s)', () => {
    const html = renderHtml(s);
    expect(html).not.toMatch(/<script|<img|<b>|href="javascript/i);
    expect(html).toContain('acme/&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&quot;quoted&quot; &amp; &#39;single&#39;');
    expect(html).toContain('data-repo="acme/&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(html).toContain('<td>#2</td>'); // the PR, without a link
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it('Markdown: no HTML, no link, no table break, no new line from a result', () => {
    const md = renderMarkdown(s);
    // A backslash before `<`, `[` or `(` makes it a literal character.
    expect(md).not.toMatch(/(?<!\\)<(script|img|b>)|(?<!\\)\]\(javascript/i);
    expect(md).toContain('acme/\\<script\\>alert\\(1\\)\\</script\\>');
    const row = md.split('\n').find((l) => l.startsWith('| acme/')) as string;
    // 8 columns: 9 unescaped pipes.
    expect(row.match(/(?<!\\)\|/g)).toHaveLength(9);
    expect(row).toContain('| #2 |');
    expect(md).not.toMatch(/^## heading/m);
  });

  it('Markdown, as a CommonMark parser reads it: no HTML but our line breaks, no link, only our headings', () => {
    const tree = fromMarkdown(renderMarkdown(s));
    const toString = (n: { value?: string; children?: unknown[] }): string => n.value ?? (n.children ?? []).map((c) => toString(c as never)).join('');
    const nodes: Array<{ type: string; value?: string; url?: string; depth?: number; children?: unknown[] }> = [];
    const walk = (n: { type: string; children?: unknown[] }): void => {
      nodes.push(n);
      for (const c of n.children ?? []) walk(c as { type: string; children?: unknown[] });
    };
    walk(tree);
    expect(nodes.filter((n) => n.type === 'html').map((n) => n.value)).toEqual(['<br>']);
    expect(nodes.filter((n) => n.type === 'link' || n.type === 'image' || n.type === 'linkReference' || n.type === 'emphasis' || n.type === 'strong')).toEqual([]);
    expect(nodes.filter((n) => n.type === 'heading').map((n) => toString(n as never))).toEqual(['autopack-fix campaign', 'By rule', 'Acceptance over time', 'By repository', 'Notes']);
    // The text survives, unescaped for the reader.
    expect(toString(tree)).toContain('acme/<script>alert(1)</script>');
  });
});
