/**
 * The bot's memory lives in the pull request itself: a hidden HTML comment at the end of the
 * body holding a JSON document. Nothing is stored anywhere else, so the memory travels with the
 * repository, survives runner wipes, and is visible to anyone who edits the PR.
 */
export const STATE_VERSION = 1;

export interface PrState {
  version: number;
  branch: string;
  base: string;
  /** The base commit the fixes were computed from. */
  baseSha: string;
  /** Fingerprint of the findings the PR fixes (rule id + stable key): the "same findings" test. */
  findings: string;
  /** Fingerprint of the fixes as computed from the base: the "fixes unchanged" test. */
  fixes: string;
  /** The bot's commits on the branch, oldest first: any other commit is someone else's. */
  commits: string[];
  /** The bot closed this PR itself (its fixes were no longer needed): not a human rejection. */
  obsolete?: boolean;
}

const MARKER = 'autopack-fix:state';
const STATE_RE = new RegExp(`<!--\\s*${MARKER}\\s+(\\{[^]*?\\})\\s*-->`);

/** The state as a hidden comment. `<` and `>` are escaped so no value can end the comment. */
export function encodeState(state: PrState): string {
  const json = JSON.stringify(state).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
  return `<!-- ${MARKER} ${json} -->`;
}

/** The state block of a PR body, or undefined when there is none (or it was mangled). */
export function decodeState(body: string | null | undefined): PrState | undefined {
  if (!body) return undefined;
  const m = STATE_RE.exec(body);
  if (!m || !m[1]) return undefined;
  try {
    const v = JSON.parse(m[1]) as Partial<PrState>;
    if (typeof v.findings !== 'string' || typeof v.fixes !== 'string' || !Array.isArray(v.commits)) return undefined;
    return {
      version: typeof v.version === 'number' ? v.version : STATE_VERSION,
      branch: String(v.branch ?? ''),
      base: String(v.base ?? ''),
      baseSha: String(v.baseSha ?? ''),
      findings: v.findings,
      fixes: v.fixes,
      commits: v.commits.filter((c): c is string => typeof c === 'string'),
      obsolete: v.obsolete === true,
    };
  } catch {
    return undefined;
  }
}

/** The body with its state block replaced (or appended when it has none). */
export function replaceState(body: string, state: PrState): string {
  return STATE_RE.test(body) ? body.replace(STATE_RE, () => encodeState(state)) : `${body}\n\n${encodeState(state)}`;
}

/** Marker of the "cannot rebuild" comment, so the same situation is commented on once. */
export function blockedMarker(branchTip: string, baseSha: string): string {
  return `<!-- autopack-fix:blocked ${branchTip} ${baseSha} -->`;
}
