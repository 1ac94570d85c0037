/**
 * The GitHub REST client of `campaign plan` and `campaign run`: a few GETs, each retried through
 * GitHub's rate limits and transient failures; and the same waits as a `fetch` for Octokit, so
 * `pr` inside a campaign run waits too. A small fetch client rather than Octokit: Octokit
 * without its throttling and retry plugins (not dependencies) gives up on the first 403/429/5xx,
 * and those plugins hide the waits behind timers a test cannot skip. Here the clock and the
 * sleep are injected, so the tests run every limit (primary, secondary, 5xx) without waiting.
 *
 * What GitHub documents, and what is done:
 *   - primary limit: 403/429 with `x-ratelimit-remaining: 0` → wait until `x-ratelimit-reset`
 *     (epoch seconds) and retry;
 *   - secondary limit: 403/429 with `retry-after` → wait that many seconds; without it, at least
 *     a minute, growing exponentially;
 *   - 5xx and network errors → bounded exponential backoff;
 *   - a wait longer than `maxWaitMs` is not made: the call fails with the time the limit lifts.
 * Any other 4xx is the answer (a 404 is "not reachable with this token").
 */
export interface LimitOptions {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Retries of a 5xx or network error (default 4: waits of 1, 2, 4, 8 s); GET and HEAD only. */
  maxRetries?: number;
  /** Retries through rate limits (default 5). */
  maxRateRetries?: number;
  /** The longest single wait for a limit to lift (default 15 minutes). */
  maxWaitMs?: number;
  /** Told about every wait (one line, no token). */
  note?: (message: string) => void;
}

export interface ApiClientOptions extends LimitOptions {
  token: string;
  /** GITHUB_API_URL, or https://api.github.com. */
  baseUrl: string;
  userAgent: string;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const BACKOFF_MS = 1000;
const SECONDARY_MIN_MS = 60_000;

/** How long a 403/429 asks to wait, or undefined when it is not a rate limit (a plain 403). */
function limitWait(headers: Headers, status: number, attempt: number, now: number): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null && /^\d+$/.test(retryAfter.trim())) return Number(retryAfter.trim()) * 1000;
  if (headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(headers.get('x-ratelimit-reset'));
    // One second past the reset: the clocks of GitHub and the runner differ a little.
    return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) + 1000 : SECONDARY_MIN_MS;
  }
  if (status === 429) return SECONDARY_MIN_MS * 2 ** attempt;
  return undefined;
}

/**
 * `fetch` that waits through rate limits and retries transient failures. A request refused by a
 * limit was not carried out, so any method is sent again; after a 5xx or a network error only a
 * GET or HEAD is (a POST that timed out may have opened the PR it asked for). Octokit takes it
 * as `request.fetch`, so `pr` inside a campaign waits the same way.
 */
export function limitedFetch(options: LimitOptions = {}): typeof fetch & { waitedMs: () => number; requests: () => number } {
  const base = options.fetch ?? globalThis.fetch.bind(globalThis);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const maxRetries = options.maxRetries ?? 4;
  const maxRate = options.maxRateRetries ?? 5;
  const maxWait = options.maxWaitMs ?? 15 * 60_000;
  let waited = 0;
  let requests = 0;
  const wait = async (ms: number, why: string): Promise<void> => {
    options.note?.(`${why}: waiting ${Math.ceil(ms / 1000)} s`);
    waited += ms;
    await sleep(ms);
  };
  const wrapped = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]): Promise<Response> => {
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    const shown = `${method} ${url.replace(/\?.*$/, '')}`;
    const idempotent = method === 'GET' || method === 'HEAD';
    let failures = 0;
    let limited = 0;
    for (;;) {
      requests++;
      let res: Response;
      try {
        res = await base(input, init);
      } catch (error) {
        if (!idempotent || failures >= maxRetries) throw error;
        await wait(BACKOFF_MS * 2 ** failures++, `${shown} failed (${(error as Error).message})`);
        continue;
      }
      if (res.status >= 500 && idempotent && failures < maxRetries) {
        await res.body?.cancel().catch(() => undefined);
        await wait(BACKOFF_MS * 2 ** failures++, `${shown} answered ${res.status}`);
        continue;
      }
      if (res.status === 403 || res.status === 429) {
        const ms = limitWait(res.headers, res.status, limited, now());
        if (ms !== undefined) {
          await res.body?.cancel().catch(() => undefined);
          if (limited >= maxRate || ms > maxWait) throw new ApiError(`${shown}: rate limited (${res.status}); the limit lifts at ${new Date(now() + ms).toISOString()}`, res.status);
          limited++;
          await wait(ms, `${shown}: rate limited (${res.status})`);
          continue;
        }
      }
      return res;
    }
  };
  return Object.assign(wrapped, { waitedMs: () => waited, requests: () => requests });
}

export class CampaignApi {
  private readonly fetch: ReturnType<typeof limitedFetch>;

  constructor(private readonly options: ApiClientOptions) {
    this.fetch = limitedFetch(options);
  }

  /** Requests made, retries included. */
  get requests(): number {
    return this.fetch.requests();
  }

  /** Time spent waiting for limits and backoffs, in ms (as the injected clock tells it). */
  get waitedMs(): number {
    return this.fetch.waitedMs();
  }

  private url(pathOrUrl: string): string {
    if (/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl;
    return `${this.options.baseUrl.replace(/\/+$/, '')}${pathOrUrl.startsWith('/') ? '' : '/'}${pathOrUrl}`;
  }

  /** One GET, through limits and transient failures; any final status is returned, not thrown. */
  async get(pathOrUrl: string): Promise<ApiResponse> {
    const res = await this.fetch(this.url(pathOrUrl), {
      headers: { accept: 'application/vnd.github+json', authorization: `token ${this.options.token}`, 'user-agent': this.options.userAgent, 'x-github-api-version': '2022-11-28' },
    });
    return { status: res.status, headers: res.headers, body: parse(await res.text()) };
  }

  /** A GET that must succeed (2xx): its JSON body. */
  async json<T>(pathOrUrl: string): Promise<T> {
    const r = await this.get(pathOrUrl);
    if (r.status < 200 || r.status > 299) throw new ApiError(`GET ${this.url(pathOrUrl).replace(/\?.*$/, '')} failed with ${r.status}: ${messageOf(r.body)}`, r.status);
    return r.body as T;
  }

  /** Every item of a list endpoint, following the `Link: <…>; rel="next"` headers. */
  async paginate<T>(pathOrUrl: string): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = pathOrUrl;
    for (let page = 0; next; page++) {
      if (page > 1000) throw new ApiError(`GET ${pathOrUrl}: more than 1000 pages`, 0);
      const r = await this.get(next);
      if (r.status < 200 || r.status > 299) throw new ApiError(`GET ${this.url(next).replace(/\?.*$/, '')} failed with ${r.status}: ${messageOf(r.body)}`, r.status);
      if (!Array.isArray(r.body)) throw new ApiError(`GET ${this.url(next).replace(/\?.*$/, '')}: expected a list`, r.status);
      out.push(...(r.body as T[]));
      next = nextLink(r.headers.get('link'));
    }
    return out;
  }
}

/** The `rel="next"` URL of a Link header. */
export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /^\s*<([^>]+)>\s*;(.*)$/.exec(part);
    if (m && /\brel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}

function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 200);
  }
}

function messageOf(body: unknown): string {
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') return (body as { message: string }).message;
  return typeof body === 'string' ? body : '';
}
