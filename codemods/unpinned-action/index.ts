import type { RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { actionKey, imageKey } from '../../src/formats/pin-map.js';
import { PIN_LOOKUP_OPTION, PIN_MAP_OPTION, pinLookupOption, pinMapOption, pinPolicy, type PinKind } from '../pin-map.js';
import { usesSites, type UsesSite } from './detect.js';
import { pinEdit } from './fix.js';

/**
 * `uses: owner/repo@ref` whose ref is a tag, a branch or a short SHA: the workflow runs whatever
 * the ref points to when the job starts, and a moved tag runs someone else's code with the job's
 * token (seed 4, "supply-chain determinism"). A full 40-hex commit SHA cannot move. `info`,
 * or `warning` where the repository's own policy asks for pins (codemods/pin-map.ts). Fixed only
 * from a pin map: the user's (`--pin-map`, option `pinMap`), or with `--network` what the
 * pipeline looked up (src/pins/resolve.ts) under it. The SHA of a tag is read outside the
 * repository, and this rule never looks it up itself.
 */
function lookup(site: UsesSite, map: ReturnType<typeof pinMapOption>): { kind: PinKind; key: string; pin?: string; refused?: { key: string; problem: string } } {
  if (site.kind === 'docker-tag') {
    const k = imageKey(site.name);
    return { kind: 'images', key: k, pin: map.map.images[k], refused: map.refused.images.get(k) };
  }
  const k = actionKey(site.name, site.ref);
  return { kind: 'actions', key: k, pin: map.map.actions[k], refused: map.refused.actions.get(k) };
}

export const rule: Rule = {
  meta: {
    id: 'unpinned-action',
    seedIds: ['4'],
    summary: '`uses: owner/repo@tag` in workflows and composite actions without a full commit SHA; pinned from a user-supplied pin map, or with --network from the GitHub API.',
    defaultSeverity: 'info',
    fixable: 'safe',
    messages: {
      tag: '`{{uses}}` ({{where}}) runs whatever `{{ref}}` points to when the job starts: a full commit SHA pins it{{policy}}{{noFix}}{{lookup}}',
      shortSha: '`{{uses}}` ({{where}}) names a short SHA, which can become ambiguous and is not an immutable pin: use the full 40-hex SHA{{policy}}{{noFix}}{{lookup}}',
      dockerTag: '`{{uses}}` ({{where}}) runs the image its tag points to when the job starts: a `@sha256:` digest pins it{{policy}}{{noFix}}{{lookup}}',
      refusedEntry: '`{{uses}}` ({{where}}) is not pinned, and the pin map\'s entry `{{entry}}` is refused: {{problem}}',
    },
    options: { pinMap: PIN_MAP_OPTION, pinLookup: PIN_LOOKUP_OPTION },
  },
  async check({ workspace, files, options }) {
    const sites = usesSites(workspace, files);
    const remote = sites.filter((s) => s.kind !== 'docker-tag' && s.kind !== 'docker-digest');
    // An owner whose refs are never pinned (several of them, none pinned) is exempt from a
    // majority policy on purpose: repositories commonly pin third-party actions and trust their
    // own organisation's.
    const ownerOf = (site: UsesSite): string => site.name.split('/')[0]?.toLowerCase() ?? '';
    const owners = new Map<string, { pinned: number; unpinned: number }>();
    for (const s of remote) {
      const count = owners.get(ownerOf(s)) ?? { pinned: 0, unpinned: 0 };
      if (s.kind === 'pinned') count.pinned++;
      else count.unpinned++;
      owners.set(ownerOf(s), count);
    }
    const exemptOwner = (owner: string): boolean => {
      const count = owners.get(owner);
      return !!count && count.pinned === 0 && count.unpinned >= 2;
    };
    // The majority counts actions, not refs: one action pinned in ten copied jobs is one choice.
    const names = new Map<string, boolean>();
    for (const s of remote) names.set(s.name.toLowerCase(), (names.get(s.name.toLowerCase()) ?? false) || s.kind === 'pinned');
    const pinned = [...names.values()].filter(Boolean).length;
    const policy = pinPolicy(workspace, files, 'actions', pinned, names.size - pinned);
    const exempt = (site: UsesSite): boolean => policy?.source === 'majority' && exemptOwner(ownerOf(site));
    const map = pinMapOption(options);
    const looked = pinLookupOption(options);
    const findings: RawFinding[] = [];
    for (const site of sites) {
      if (site.kind === 'pinned' || site.kind === 'docker-digest') continue;
      const offset = site.node.range?.[0] ?? 0;
      const applies = policy && site.kind !== 'docker-tag' && !exempt(site) ? policy : undefined;
      const data = { uses: site.uses, where: site.where, ref: site.ref, policy: applies ? ` (the repository pins by policy: ${applies.why})` : '', noFix: '', lookup: '' };
      const base = { file: site.file, offset, key: site.key, severity: applies ? ('warning' as const) : ('info' as const) };
      const messageId = site.kind === 'docker-tag' ? 'dockerTag' : site.kind === 'short-sha' ? 'shortSha' : 'tag';
      const { kind, key, pin, refused } = lookup(site, map);
      if (!pin) {
        const failed = looked?.failed(kind, key);
        if (refused) findings.push({ ...base, messageId: 'refusedEntry', data: { uses: site.uses, where: site.where, entry: refused.key, problem: refused.problem }, fix: null, skipReason: 'needs-pin-map' });
        else if (failed) findings.push({ ...base, messageId, data: { ...data, noFix: ` (no fix: the --network lookup failed: ${failed})` }, fix: null, skipReason: 'lookup-failed' });
        else findings.push({ ...base, messageId, data, fix: null, skipReason: 'needs-pin-map' });
        continue;
      }
      const source = looked?.resolved(kind, key);
      if (source) data.lookup = ` (the pin is what \`${site.kind === 'docker-tag' ? site.name : site.ref}\` pointed to at ${looked?.at}, from ${source})`;
      const text = workspace.read(site.file)?.text ?? '';
      const outcome = pinEdit(text, site, pin);
      if ('reason' in outcome) {
        findings.push({ ...base, messageId, data: { ...data, noFix: ` (no fix: ${outcome.reason})` }, fix: null, skipReason: outcome.skipReason });
        continue;
      }
      const from = source ? `looked up in ${source}` : 'of the pin map';
      const description = site.kind === 'docker-tag' ? `pin \`${site.uses}\` to the digest ${from}` : `pin \`${site.uses}\` to commit ${pin.slice(0, 12)}… ${from} (the tag kept as a comment)`;
      findings.push({ ...base, messageId, data, fix: { safety: 'safe', description, edits: [outcome.edit] } });
    }
    return findings;
  },
};
