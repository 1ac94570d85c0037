/**
 * `autopack-fix campaign report <results...>`: reads the per-repository results of one or more
 * waves (files, or folders searched for `*.json`: the downloaded shard artifacts), optionally
 * reads back the PR states through the GitHub API (`--refresh`), and writes the summary as
 * Markdown (also appended to `$GITHUB_STEP_SUMMARY`), JSON and one static HTML page.
 *
 * A file that is not a result it knows (bad JSON, an unknown `version`) is a note naming the
 * file, and the report goes on; a plan file lying among the results is passed over. A path
 * that does not exist is an error: a typo should not read as an empty campaign.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PUBLIC_API } from '../bot/github.js';
import { Redactor } from '../bot/redact.js';
import { escapeControls } from '../report/escape.js';
import { packageInfo } from '../util/package-info.js';
import { aggregate, collectPrs, isPlan, parseRepoResult, type CampaignSummary } from './aggregate.js';
import { readPrStates } from './refresh.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';
import type { RepoResult } from './result.js';

export interface CampaignReportOptions {
  results: string[];
  /** A folder for campaign-report.md, .json and .html (each overridable below). */
  out?: string;
  markdown?: string;
  html?: string;
  json?: string;
  refresh?: boolean;
  tokenEnv: string;
  apiUrl?: string;
}

export interface CampaignReportIo {
  out(s: string): void;
  err(s: string): void;
  env: NodeJS.ProcessEnv;
}

/** The `.json` files under a folder, in a stable order (recursively: artifacts unpack into one folder per shard). */
function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...jsonFiles(p));
    else if (e.isFile() && e.name.endsWith('.json')) out.push(p);
  }
  return out;
}

/** Every result the paths hold, and a note for each file that is not one. */
export function loadResults(paths: string[]): { results: RepoResult[]; notes: string[]; missing: string[] } {
  const results: RepoResult[] = [];
  const notes: string[] = [];
  const missing: string[] = [];
  for (const p of paths) {
    let files: string[];
    try {
      files = statSync(p).isDirectory() ? jsonFiles(p) : [p];
    } catch {
      missing.push(p);
      continue;
    }
    for (const file of files) {
      let value: unknown;
      try {
        value = JSON.parse(readFileSync(file, 'utf8').replace(/^\ufeff/, ''));
      } catch (error) {
        notes.push(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)}); skipped`);
        continue;
      }
      if (isPlan(value)) continue;
      const result = parseRepoResult(value);
      if (typeof result === 'string') notes.push(`${file}: ${result}; skipped`);
      else results.push(result);
    }
  }
  return { results, notes, missing };
}

function write(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, text);
}

export async function campaignReportCommand(options: CampaignReportOptions, io: CampaignReportIo): Promise<number> {
  const token = io.env[options.tokenEnv] || undefined;
  const redactor = new Redactor(token);
  const say = (s: string): void => io.err(`${escapeControls(redactor.redact(s))}\n`);

  if (options.results.length === 0) {
    say('campaign report: name at least one result file or folder');
    return 2;
  }
  const { results, notes, missing } = loadResults(options.results);
  if (missing.length > 0) {
    for (const m of missing) say(`campaign report: no such file or folder: ${m}`);
    return 2;
  }
  if (results.length === 0) notes.push(`no campaign result in ${options.results.join(', ')}`);

  let states;
  if (options.refresh) {
    // Merged is final; an open or closed PR may have moved since (a closed one can be reopened).
    const prs = collectPrs(results).filter((p) => p.state !== 'merged');
    if (!token) notes.push(`refresh without a token (${options.tokenEnv} is not set): only public repositories can be read, at 60 requests an hour`);
    const read = await readPrStates(prs, {
      apiUrl: options.apiUrl || io.env.GITHUB_API_URL || PUBLIC_API,
      ...(token ? { token } : {}),
      userAgent: `autopack-fix/${packageInfo().version}`,
    });
    states = read.states;
    notes.push(...read.notes);
    say(`campaign report: refreshed ${read.states.size} of ${prs.length} PR states`);
  }
  for (const n of notes) say(`note: ${n}`);

  const summary: CampaignSummary = aggregate(results, { ...(states ? { states } : {}), notes: notes.map((n) => redactor.redact(n)) });
  // What each file gets; an explicit flag wins over --out.
  const inOut = (name: string): string | undefined => (options.out ? path.join(options.out, name) : undefined);
  const targets = {
    markdown: options.markdown ?? inOut('campaign-report.md'),
    json: options.json ?? inOut('campaign-report.json'),
    html: options.html ?? inOut('campaign-report.html'),
  };
  const markdown = renderMarkdown(summary);
  try {
    if (targets.markdown) write(targets.markdown, markdown);
    if (targets.json) write(targets.json, `${JSON.stringify(summary, null, 2)}\n`);
    if (targets.html) write(targets.html, renderHtml(summary));
    if (io.env.GITHUB_STEP_SUMMARY) appendFileSync(io.env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
  } catch (error) {
    say(`campaign report: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  if (!targets.markdown && !targets.json && !targets.html) io.out(markdown);
  else {
    const written = Object.values(targets).filter((t): t is string => t !== undefined);
    const t = summary.totals;
    say(`campaign report: ${summary.repositories} repositories, ${t.repositoriesAffected} affected, ${t.fixes} fixes, ${t.outcomes.opened} PRs opened, ${t.errors} errors; wrote ${written.join(', ')}`);
  }
  return 0;
}

