/**
 * Absolute paths to somebody's checkout of this repository (`C:\dev\Autopack\src`,
 * `/c/dev/Autopack`, `/home/ana/autopack`) in scripts: the script works on one machine only.
 * A checkout path is a personal location (a drive letter, Git Bash's `/c/`, WSL's `/mnt/c/`,
 * `/home/<user>/`, `/Users/<user>/`) followed, at some depth, by a folder that bears one of the
 * repository's names. Deployment locations (`/app`, `/opt/<name>`, `/srv`) are not checkouts.
 */

export interface CheckoutPath {
  start: number;
  end: number;
  /** The folders below the checkout root, `/`-separated ('' for the root itself). */
  rest: string;
  /**
   * A developer's machine (a Windows drive, Git Bash, macOS `/Users`): scripts there run from the
   * checkout. `/home/<user>` and WSL are also where servers keep deployments that other scripts
   * reach, so a rewrite there is for a person to confirm.
   */
  workstation: boolean;
  /** The separator the path was written with. */
  sep: '\\' | '/';
  text: string;
}

const SEGMENT = String.raw`[^\\/\s"'<>|*?;:%$\`]+`;

/** The personal prefixes of a checkout: Windows drives, Git Bash, WSL, home folders. */
const PERSONAL = String.raw`(?:[A-Za-z]:[\\/]|/[a-z]/|/mnt/[a-z]/|/home/${SEGMENT}/|/Users/${SEGMENT}/)`;

export function checkoutPattern(names: readonly string[]): RegExp | undefined {
  const alternatives = [...new Set(names.filter((n) => n.length >= 3))].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (!alternatives.length) return undefined;
  // prefix, any folders, the repository's folder, then the rest of the path.
  return new RegExp(String.raw`(?<![\w/\\.$%~:@-])${PERSONAL}(?:${SEGMENT}[\\/])*?(?:${alternatives.join('|')})(?=$|[\\/\s"';&|)<>])((?:[\\/]${SEGMENT})*)[\\/]?`, 'gi');
}

/** Commands whose path arguments are another machine's or a container's: `ssh host "cd /home/u/x"`, `docker exec`, `rsync`. */
export const REMOTE_COMMAND = /(^|[\s;&|(`"'])(ssh|scp|rsync|sshpass|sftp|docker|podman|kubectl|vagrant|gcloud|az|aws|ansible[\w-]*|Invoke-Command|Enter-PSSession|New-PSSession)(\s|$)/i;

export function findCheckoutPaths(text: string, pattern: RegExp): CheckoutPath[] {
  const out: CheckoutPath[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const whole = m[0];
    const sep = /^[A-Za-z]:\\/.test(whole) || (whole.includes('\\') && !whole.includes('/')) ? '\\' : '/';
    const rest = (m[1] ?? '').replace(/\\/g, '/').replace(/^\/+|\/+$/g, '');
    out.push({ start: m.index, end: m.index + whole.length, rest, sep, text: whole, workstation: !/^\/(home|mnt)\//.test(whole) });
  }
  return out;
}
