import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from './package-root.js';

export interface PackageInfo {
  name: string;
  version: string;
  /** The repository's web address (`https://github.com/owner/name`), from package.json `repository`. */
  repositoryUrl?: string;
}

let cache: PackageInfo | undefined;

/** autopack-fix's own package.json (name, version, repository), read once. */
export function packageInfo(): PackageInfo {
  if (!cache) {
    let pkg: { name?: string; version?: string; repository?: string | { url?: string } } = {};
    try {
      pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as typeof pkg;
    } catch {
      /* no package.json: defaults, and no links */
    }
    const repositoryUrl = githubWebUrl(typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url);
    cache = { name: pkg.name ?? 'autopack-fix', version: pkg.version ?? '0.0.0', ...(repositoryUrl ? { repositoryUrl } : {}) };
  }
  return cache;
}

/**
 * `https://github.com/owner/name` for the forms package.json `repository` takes
 * (`git+https://github.com/o/n.git`, `git@github.com:o/n.git`, `github:o/n`, `o/n`).
 */
export function githubWebUrl(repository: string | undefined): string | undefined {
  if (!repository) return undefined;
  const m = /github\.com[/:]([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(repository) ?? /^(?:github:)?([\w.-]+\/[\w.-]+?)(?:\.git)?$/.exec(repository);
  return m?.[1] ? `https://github.com/${m[1]}` : undefined;
}

/**
 * A file of the repository as it is in this version's release: the `v<version>` tag, which the
 * release step pushes (docs/releasing.md) and the Action is used at.
 */
export function repositoryFileUrl(file: string): string | undefined {
  const { repositoryUrl, version } = packageInfo();
  return repositoryUrl ? `${repositoryUrl}/blob/v${version}/${file}` : undefined;
}

/** Where a rule's README (codemods/<id>/README.md) is read on the web. */
export function ruleDocsUrl(ruleId: string): string | undefined {
  return repositoryFileUrl(`codemods/${ruleId}/README.md`);
}
