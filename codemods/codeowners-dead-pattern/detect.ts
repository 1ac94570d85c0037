/**
 * CODEOWNERS rules that own nothing (src/facts/codeowners.ts), with the path each one names
 * when it names one path whose history git can be asked about.
 */
import type { Workspace } from '../../src/workspace/workspace.js';
import type { Facts } from '../../src/facts/facts.js';
import { deadOwnerRules, type DeadOwnerRule } from '../../src/facts/codeowners.js';

export type { DeadOwnerRule };

/** Every dead owner rule of the repository's CODEOWNERS files. */
export function collect(ws: Workspace, facts: Facts): DeadOwnerRule[] {
  return deadOwnerRules(ws, facts);
}

/** What a finding's message starts with. */
export function headOf(dead: DeadOwnerRule): string {
  const { rule } = dead;
  return `CODEOWNERS pattern \`${rule.pattern}\` matches no file${rule.owners.length ? ` (owners ${rule.owners.join(' ')})` : ''}`;
}
