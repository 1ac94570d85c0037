/**
 * The few GitHub REST calls the bot makes, through Octokit (which uses Node's global fetch).
 * Octokit is imported lazily: the rest of the CLI never pays for it.
 */
import type { Octokit } from '@octokit/rest';

export interface PullRequest {
  number: number;
  state: 'open' | 'closed';
  merged: boolean;
  title: string;
  body: string;
  headRef: string;
  labels: string[];
  url: string;
}

export const PUBLIC_API = 'https://api.github.com';

export interface GitHubOptions {
  token: string;
  /** GITHUB_API_URL when set (Actions and GitHub Enterprise set it), else the public API. */
  baseUrl: string;
  owner: string;
  repo: string;
  userAgent: string;
  /** Where Octokit's own warnings go (already redacted by the caller's sink). */
  warn: (message: string) => void;
  /** The fetch Octokit sends through (default the global one; a campaign's waits through rate limits). */
  fetch?: typeof fetch;
}

type RawPull = { number: number; state: string; merged_at?: string | null; title: string; body?: string | null; head: { ref: string }; labels?: Array<{ name?: string } | string>; html_url: string };

function toPull(p: RawPull): PullRequest {
  return {
    number: p.number,
    state: p.state === 'open' ? 'open' : 'closed',
    merged: !!p.merged_at,
    title: p.title,
    body: p.body ?? '',
    headRef: p.head.ref,
    labels: (p.labels ?? []).map((l) => (typeof l === 'string' ? l : l.name ?? '')).filter(Boolean),
    url: p.html_url,
  };
}

export class GitHub {
  private constructor(
    private readonly octokit: Octokit,
    readonly owner: string,
    readonly repo: string,
  ) {}

  static async connect(options: GitHubOptions): Promise<GitHub> {
    const { Octokit } = await import('@octokit/rest');
    const octokit = new Octokit({
      auth: options.token,
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      userAgent: options.userAgent,
      // Failed requests throw (and are reported once, redacted, by the caller); only warnings
      // such as deprecations are worth a line of their own.
      log: { debug: () => {}, info: () => {}, warn: options.warn, error: () => {} },
      ...(options.fetch ? { request: { fetch: options.fetch } } : {}),
    });
    return new GitHub(octokit, options.owner, options.repo);
  }

  async defaultBranch(): Promise<string> {
    const r = await this.octokit.rest.repos.get({ owner: this.owner, repo: this.repo });
    return r.data.default_branch;
  }

  /** Every PR (open or closed) whose head is `branch` of this repository, newest first. */
  async pullsForBranch(branch: string): Promise<PullRequest[]> {
    const list = await this.octokit.paginate(this.octokit.rest.pulls.list, { owner: this.owner, repo: this.repo, head: `${this.owner}:${branch}`, state: 'all', per_page: 100 });
    return (list as RawPull[]).map(toPull).filter((p) => p.headRef === branch).sort((a, b) => b.number - a.number);
  }

  /** How many open PRs come from branches under the bot's prefix. */
  async openBotPulls(prefix: string): Promise<PullRequest[]> {
    const list = await this.octokit.paginate(this.octokit.rest.pulls.list, { owner: this.owner, repo: this.repo, state: 'open', per_page: 100 });
    return (list as RawPull[]).map(toPull).filter((p) => p.headRef.startsWith(prefix));
  }

  async createPull(p: { title: string; body: string; head: string; base: string; draft: boolean }): Promise<PullRequest> {
    const r = await this.octokit.rest.pulls.create({ owner: this.owner, repo: this.repo, title: p.title, body: p.body, head: p.head, base: p.base, draft: p.draft, maintainer_can_modify: true });
    return toPull(r.data as RawPull);
  }

  async updatePull(number: number, p: { title?: string; body?: string; state?: 'open' | 'closed' }): Promise<void> {
    await this.octokit.rest.pulls.update({ owner: this.owner, repo: this.repo, pull_number: number, ...p });
  }

  async addLabels(number: number, labels: string[]): Promise<void> {
    await this.octokit.rest.issues.addLabels({ owner: this.owner, repo: this.repo, issue_number: number, labels });
  }

  async requestReviewers(number: number, reviewers: string[], teamReviewers: string[]): Promise<void> {
    await this.octokit.rest.pulls.requestReviewers({ owner: this.owner, repo: this.repo, pull_number: number, reviewers, team_reviewers: teamReviewers });
  }

  async comments(number: number): Promise<Array<{ id: number; body: string }>> {
    const list = await this.octokit.paginate(this.octokit.rest.issues.listComments, { owner: this.owner, repo: this.repo, issue_number: number, per_page: 100 });
    return (list as Array<{ id: number; body?: string }>).map((c) => ({ id: c.id, body: c.body ?? '' }));
  }

  async comment(number: number, body: string): Promise<void> {
    await this.octokit.rest.issues.createComment({ owner: this.owner, repo: this.repo, issue_number: number, body });
  }
}

/** A readable one-line message for an Octokit error (status, method, URL, GitHub's message). */
export function describeApiError(error: unknown): string {
  const e = error as { status?: number; message?: string; request?: { method?: string; url?: string } };
  if (typeof e?.status === 'number') {
    return `GitHub API ${e.request?.method ?? ''} ${e.request?.url ?? ''} failed with ${e.status}: ${e.message ?? ''}`.replace(/\s+/g, ' ').trim();
  }
  return error instanceof Error ? error.message : String(error);
}
