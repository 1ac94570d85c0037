import { git } from '../util/git.js';

/** A git identity: the `Name <email>` of an author or committer. */
export interface Identity {
  name: string;
  email: string;
}

/** Used when neither an option nor the repository names anyone (a fresh CI runner). */
export const BOT_IDENTITY: Identity = { name: 'autopack-fix', email: 'autopack-fix@users.noreply.github.com' };

export interface Identities {
  author: Identity;
  committer: Identity;
  /** Where each came from, for the log line. */
  source: { author: 'option' | 'environment' | 'git config' | 'default'; committer: 'option' | 'environment' | 'git config' | 'default' };
}

/** Parse `Name <email>`; throws with a usage message otherwise. */
export function parseIdentity(text: string, what = 'identity'): Identity {
  const m = /^\s*([^<>]*?)\s*<([^<>\s]+)>\s*$/.exec(text);
  if (!m || !m[1] || !m[2]) throw new Error(`${what}: expected "Name <email>", got ${JSON.stringify(text)}`);
  return { name: m[1], email: m[2] };
}

export function formatIdentity(id: Identity): string {
  return `${id.name} <${id.email}>`;
}

/**
 * Author and committer for the bot's commits: the option, else what git itself would use for
 * this repository (GIT_AUTHOR_* / GIT_COMMITTER_* in the environment, then user.name and
 * user.email from the repository's effective config), else the bot's own noreply identity.
 * We never fall back to git's hostname guess: a commit by `runner@fv-az123.internal` helps nobody.
 */
export async function resolveIdentities(repo: string, env: NodeJS.ProcessEnv, options: { author?: string; committer?: string }): Promise<Identities> {
  const configName = await configValue(repo, 'user.name');
  const configEmail = await configValue(repo, 'user.email');
  const fromConfig = configName && configEmail ? { name: configName, email: configEmail } : undefined;
  const pick = (option: string | undefined, envName: string | undefined, envEmail: string | undefined, what: string): [Identity, Identities['source']['author']] => {
    if (option) return [parseIdentity(option, what), 'option'];
    if (envName && envEmail) return [{ name: envName, email: envEmail }, 'environment'];
    if (fromConfig) return [fromConfig, 'git config'];
    return [BOT_IDENTITY, 'default'];
  };
  const [author, authorSource] = pick(options.author, env.GIT_AUTHOR_NAME, env.GIT_AUTHOR_EMAIL, '--author');
  const [committer, committerSource] = pick(options.committer, env.GIT_COMMITTER_NAME, env.GIT_COMMITTER_EMAIL, '--committer');
  return { author, committer, source: { author: authorSource, committer: committerSource } };
}

/**
 * The identities as environment variables for `git commit`. Passing them through the
 * environment (never `git config`) leaves the user's configuration exactly as it was.
 */
export function identityEnv(ids: { author?: Identity; committer: Identity }): Record<string, string> {
  const env: Record<string, string> = { GIT_COMMITTER_NAME: ids.committer.name, GIT_COMMITTER_EMAIL: ids.committer.email };
  if (ids.author) {
    env.GIT_AUTHOR_NAME = ids.author.name;
    env.GIT_AUTHOR_EMAIL = ids.author.email;
  }
  return env;
}

async function configValue(repo: string, key: string): Promise<string | undefined> {
  const r = await git(repo, ['config', '--get', key]);
  const v = r.stdout.trim();
  return r.code === 0 && v ? v : undefined;
}
