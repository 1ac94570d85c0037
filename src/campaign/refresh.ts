/**
 * `campaign report --refresh`: reads back the state of the PRs earlier waves opened
 * (`GET /repos/{owner}/{repo}/pulls/{number}`), so the report shows which were merged and
 * which were closed without merge. One request per PR, a few at a time; 5xx, 429 and rate
 * limits (`retry-after`, `x-ratelimit-remaining: 0` with `x-ratelimit-reset`) are retried with
 * a bounded wait. A PR that cannot be read keeps its last known state, with a note.
 *
 * The token goes only into the Authorization header; every note is redacted.
 */
import { Redactor } from '../bot/redact.js';
import { prKey, type PrState } from './aggregate.js';

export interface RefreshOptions {
  /** API root, e.g. https://api.github.com or GitHub Enterprise's https://host/api/v3. */
  apiUrl: string;
  token?: string;
  userAgent: string;
  /** Attempts per PR (the first included). */
  attempts?: number;
  /** The longest wait honoured before a retry; a longer `retry-after` gives up on that PR. */
  maxWaitMs?: number;
  concurrency?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * An owner/name GitHub could have: owners have no dots; a name is never `.` or `..` (which a
 * URL would resolve as a path step: `../x` must not reach another endpoint).
 */
const REPO = /^[A-Za-z0-9_-]+\/(?!\.\.?$)[A-Za-z0-9_.-]+$/;

/** How long to wait before retrying a response, or undefined when it is not worth a retry. */
function retryDelay(res: Response, attempt: number, now: number): number | undefined {
  const after = res.headers.get('retry-after');
  const rateLimited = res.status === 429 || (res.status === 403 && (after !== null || res.headers.get('x-ratelimit-remaining') === '0'));
  if (!rateLimited && res.status < 500) return undefined;
  if (after !== null && /^\d+$/.test(after.trim())) return Number(after) * 1000;
  const reset = res.headers.get('x-ratelimit-reset');
  if (res.headers.get('x-ratelimit-remaining') === '0' && reset && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now);
  return 1000 * 2 ** attempt;
}

export async function readPrStates(prs: Array<{ repo: string; number: number }>, options: RefreshOptions): Promise<{ states: Map<string, PrState>; notes: string[] }> {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const attempts = options.attempts ?? 4;
  const maxWait = options.maxWaitMs ?? 60_000;
  const redactor = new Redactor(options.token);
  const api = options.apiUrl.replace(/\/+$/, '');
  const states = new Map<string, PrState>();
  const notes: string[] = [];
  const headers: Record<string, string> = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': options.userAgent };
  if (options.token) headers.authorization = `token ${options.token}`;

  const one = async (pr: { repo: string; number: number }): Promise<void> => {
    const name = `${pr.repo}#${pr.number}`;
    if (!REPO.test(pr.repo)) {
      notes.push(`refresh: ${name}: not an owner/name repository; state not read`);
      return;
    }
    const [owner, repo] = pr.repo.split('/') as [string, string];
    const url = `${api}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/pulls/${pr.number}`;
    for (let attempt = 0; attempt < attempts; attempt++) {
      let res: Response;
      try {
        res = await doFetch(url, { headers });
      } catch (error) {
        if (attempt + 1 < attempts) {
          await sleep(Math.min(maxWait, 1000 * 2 ** attempt));
          continue;
        }
        notes.push(redactor.redact(`refresh: ${name}: ${error instanceof Error ? error.message : String(error)}; kept the last known state`));
        return;
      }
      if (res.ok) {
        const body = (await res.json().catch(() => undefined)) as { state?: string; merged_at?: string | null; merged?: boolean } | undefined;
        if (!body || typeof body.state !== 'string') {
          notes.push(`refresh: ${name}: the API answered without a PR state; kept the last known state`);
          return;
        }
        states.set(prKey(pr.repo, pr.number), body.merged_at || body.merged ? 'merged' : body.state === 'open' ? 'open' : 'closed');
        return;
      }
      const delay = retryDelay(res, attempt, Date.now());
      await res.body?.cancel().catch(() => undefined);
      if (delay === undefined || attempt + 1 >= attempts || delay > maxWait) {
        const why = res.status === 404 ? 'not found (deleted, or the token cannot see the repository)' : `HTTP ${res.status}${delay !== undefined && delay > maxWait ? ` (asked to wait ${Math.ceil(delay / 1000)} s)` : ''}`;
        notes.push(redactor.redact(`refresh: ${name}: ${why}; kept the last known state`));
        return;
      }
      await sleep(delay);
    }
  };

  const queue = [...prs];
  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, queue.length)) }, async () => {
    for (let pr = queue.shift(); pr; pr = queue.shift()) await one(pr);
  });
  await Promise.all(workers);
  notes.sort();
  return { states, notes };
}
