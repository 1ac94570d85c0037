/**
 * Talking to the remote for the PR bot: which remotes may receive the token, how the token
 * reaches git without touching the disk, and a push that can only ever land on the bot's branch
 * prefix.
 */
import { git, type GitResult } from '../util/git.js';
import { BOT_GIT_FLAGS } from './worktree.js';

export interface RemoteUrl {
  raw: string;
  kind: 'http' | 'https' | 'ssh' | 'local' | 'other';
  /** Lower-case host name (no port). */
  host?: string;
  /** `scheme://host[:port]` for http(s). */
  origin?: string;
  /** The repository path without leading `/` (e.g. `owner/name.git`). */
  path?: string;
  /** The URL carries a user name or password (http/https), or a password (ssh). */
  hasCredentials: boolean;
}

/** Parse a git remote URL: http(s)://, ssh://, scp-like `user@host:path`, file:// or a path. */
export function parseRemoteUrl(raw: string): RemoteUrl {
  const url = raw.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return { raw, kind: 'other', hasCredentials: /\/\/[^/]*@/.test(url) };
    }
    const scheme = u.protocol.replace(/:$/, '').toLowerCase();
    const p = decodeURIComponent(u.pathname).replace(/^\/+/, '');
    if (scheme === 'http' || scheme === 'https') {
      return { raw, kind: scheme, host: u.hostname.toLowerCase(), origin: `${scheme}://${u.host.toLowerCase()}`, path: p, hasCredentials: u.username !== '' || u.password !== '' };
    }
    if (scheme === 'ssh' || scheme === 'git+ssh' || scheme === 'ssh+git') return { raw, kind: 'ssh', host: u.hostname.toLowerCase(), path: p, hasCredentials: u.password !== '' };
    if (scheme === 'file') return { raw, kind: 'local', path: p, hasCredentials: false };
    return { raw, kind: 'other', host: u.hostname.toLowerCase(), path: p, hasCredentials: u.username !== '' || u.password !== '' };
  }
  // scp-like syntax: [user@]host:path, where host has no slash before the colon.
  const scp = /^(?:([^@/]+)@)?([^:/]+):(?!\/\/)(.+)$/.exec(url);
  if (scp && scp[2] && scp[3] && !/^[a-z]$/i.test(scp[2])) {
    return { raw, kind: 'ssh', host: scp[2].toLowerCase(), path: scp[3].replace(/^\/+/, ''), hasCredentials: (scp[1] ?? '').includes(':') };
  }
  return { raw, kind: 'local', path: url, hasCredentials: false };
}

/** The URL with any user name and password removed, for messages. */
export function redactUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

/** `owner/name` from a remote URL's path (`owner/name(.git)`), or undefined. */
export function repoFromUrl(remote: RemoteUrl): { owner: string; name: string } | undefined {
  if (!remote.path || (remote.kind !== 'http' && remote.kind !== 'https' && remote.kind !== 'ssh')) return undefined;
  const parts = remote.path.replace(/\/+$/, '').replace(/\.git$/, '').split('/');
  if (parts.length < 2) return undefined;
  const name = parts[parts.length - 1] as string;
  const owner = parts[parts.length - 2] as string;
  return owner && name ? { owner, name } : undefined;
}

/**
 * Where GitHub lives for this run: github.com always, plus the server of GitHub Enterprise (or a
 * stand-in) named by GITHUB_SERVER_URL, and the server behind GITHUB_API_URL
 * (`https://ghe.example/api/v3` → `https://ghe.example`; `https://api.X` → `https://X`).
 */
export function githubServers(env: NodeJS.ProcessEnv): { origins: Set<string>; hosts: Set<string> } {
  const origins = new Set<string>(['https://github.com']);
  const add = (value: string | undefined, fromApi: boolean): void => {
    if (!value) return;
    try {
      const u = new URL(value);
      let host = u.host.toLowerCase();
      if (fromApi && host.startsWith('api.')) host = host.slice(4);
      origins.add(`${u.protocol.toLowerCase()}//${host}`);
    } catch {
      /* not a URL: ignored */
    }
  };
  add(env.GITHUB_SERVER_URL, false);
  add(env.GITHUB_API_URL, true);
  const hosts = new Set([...origins].map((o) => new URL(o).hostname));
  return { origins, hosts };
}

/**
 * Why a token must not be used with this remote, or undefined when it may. The token is only
 * ever sent to GitHub: a remote elsewhere (another forge, a local path, a mirror) is refused
 * outright rather than pushed to without it, because the run is configured wrongly; and a URL
 * that carries credentials is refused because they would end up in logs and in .git/config.
 */
export function remoteProblem(remote: RemoteUrl, env: NodeJS.ProcessEnv): string | undefined {
  const shown = redactUrl(remote.raw);
  if (remote.hasCredentials) return `the URL of the remote carries credentials (${shown}); remove them (the token is passed to git without touching the URL or the config)`;
  const { origins, hosts } = githubServers(env);
  if ((remote.kind === 'http' || remote.kind === 'https') && remote.origin && origins.has(remote.origin)) return undefined;
  if (remote.kind === 'ssh' && remote.host && hosts.has(remote.host)) return undefined;
  return `the remote ${shown} is not a GitHub remote (allowed: ${[...origins].join(', ')}, set by github.com, GITHUB_SERVER_URL and GITHUB_API_URL); refusing to run with a token`;
}

/**
 * Environment that makes git send `Authorization: basic <x-access-token:token>` to this remote
 * (what actions/checkout does), through GIT_CONFIG_COUNT/KEY/VALUE: nothing is written to disk,
 * and nothing appears in the process list as `-c` arguments would. The header is scoped to the
 * remote's exact URL (the most specific match git knows), and an empty value first resets any
 * header configured for it, such as the one actions/checkout persists, so only one
 * Authorization header is ever sent. Stored credential helpers are switched off for the run.
 * Only for http(s) remotes: over ssh git authenticates with its key and never sees the token.
 */
export function authEnv(token: string, remote: RemoteUrl, env: NodeJS.ProcessEnv): Record<string, string> {
  if (remote.kind !== 'http' && remote.kind !== 'https') return {};
  const existing = Number.parseInt(env.GIT_CONFIG_COUNT ?? '0', 10);
  let n = Number.isInteger(existing) && existing > 0 ? existing : 0;
  const out: Record<string, string> = {};
  const add = (key: string, value: string): void => {
    out[`GIT_CONFIG_KEY_${n}`] = key;
    out[`GIT_CONFIG_VALUE_${n}`] = value;
    n++;
  };
  const scope = `http.${remote.raw.trim()}.extraheader`;
  add(scope, '');
  add(scope, `Authorization: basic ${basicCredential(token)}`);
  add('credential.helper', '');
  out.GIT_CONFIG_COUNT = String(n);
  return out;
}

export function basicCredential(token: string): string {
  return Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64');
}

export async function remoteUrl(repo: string, remote: string, push: boolean): Promise<string | undefined> {
  const r = await git(repo, ['remote', 'get-url', ...(push ? ['--push'] : []), remote]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** The commit ids of the named branches on the remote (absent ones are left out). */
export async function lsRemoteHeads(repo: string, remote: string, branches: string[], env: Record<string, string>): Promise<Map<string, string>> {
  const r = await git(repo, ['ls-remote', '--heads', remote, ...branches.map((b) => `refs/heads/${b}`)], { env });
  if (r.code !== 0) throw new Error(`git ls-remote ${remote} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (sha && ref?.startsWith('refs/heads/')) out.set(ref.slice('refs/heads/'.length), sha);
  }
  return out;
}

/**
 * Fetch the named branches' commits (so the bot can build on them) into private refs that are
 * deleted again right away; FETCH_HEAD, remote-tracking refs and branches are not touched.
 */
export async function fetchCommits(repo: string, remote: string, branches: string[], env: Record<string, string>): Promise<void> {
  if (branches.length === 0) return;
  const refspecs = branches.map((b, i) => `+refs/heads/${b}:refs/autopack-fix/fetch/${i}`);
  // In a shallow clone (actions/checkout's default depth 1) the base's history is cut off, so
  // "which commits of the branch are not in the base" would count old base commits as someone
  // else's work. Completing the history once is the price of getting that right.
  const shallow = (await git(repo, ['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true';
  try {
    const r = await git(repo, [...BOT_GIT_FLAGS, 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--no-recurse-submodules', ...(shallow ? ['--unshallow'] : []), remote, ...refspecs], { env });
    if (r.code !== 0) throw new Error(`git fetch ${remote} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  } finally {
    for (let i = 0; i < branches.length; i++) await git(repo, ['update-ref', '-d', `refs/autopack-fix/fetch/${i}`]);
  }
}

export interface PushRequest {
  remote: string;
  commit: string;
  branch: string;
  /** The bot's branch prefix: the push is refused unless `branch` is under it. */
  prefix: string;
  /** The default branch: never pushed to, whatever the prefix. */
  base: string;
  /** What the remote branch must be for the push to go through (undefined: must not exist). */
  expect: string | undefined;
}

/** Refuses any destination that is not a branch under the bot's prefix. */
export function assertBotBranch(branch: string, prefix: string, base: string): void {
  if (!prefix || prefix === '/' || prefix.startsWith('refs/')) throw new Error(`unusable branch prefix: ${JSON.stringify(prefix)}`);
  if (!branch.startsWith(prefix) || branch.length === prefix.length) throw new Error(`refusing to push to ${branch}: the bot only pushes to branches under ${prefix}`);
  if (branch === base || base.startsWith(prefix)) throw new Error(`refusing to push: the default branch ${base} is (or is under) the bot's prefix ${prefix}`);
}

/**
 * Push `commit` to `refs/heads/<branch>` with a lease: git refuses unless the remote branch is
 * exactly what the bot last saw, so a commit someone pushed meanwhile is never overwritten.
 */
export async function pushBotBranch(repo: string, req: PushRequest, env: Record<string, string>): Promise<GitResult> {
  assertBotBranch(req.branch, req.prefix, req.base);
  const dest = `refs/heads/${req.branch}`;
  return git(repo, [...BOT_GIT_FLAGS, 'push', '--porcelain', '--no-verify', `--force-with-lease=${dest}:${req.expect ?? ''}`, req.remote, `${req.commit}:${dest}`], { env });
}
