import type { RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { imageKey } from '../../src/formats/pin-map.js';
import { PIN_LOOKUP_OPTION, PIN_MAP_OPTION, pinLookupOption, pinMapOption, pinPolicy } from '../pin-map.js';
import { fromSites } from './detect.js';

/**
 * `FROM image[:tag]` without a digest: the build pulls whatever the tag points to that day, so
 * two builds of one commit can differ (seed 4, "pin Docker base images by digest"). `info`, or
 * `warning` where the repository's own policy asks for digests (codemods/pin-map.ts). Fixed only
 * from a pin map (the user's, or with `--network` what the pipeline looked up in the registry,
 * under it): `FROM node:20-alpine@sha256:… AS build` keeps the tag (for readers and Renovate),
 * `--platform` and `AS`; the digest of a tag is never looked up here.
 */
export const rule: Rule = {
  meta: {
    id: 'unpinned-base-image',
    seedIds: ['4'],
    summary: 'Dockerfile `FROM image:tag` without an `@sha256:` digest; pinned from a user-supplied pin map, or with --network from the registry.',
    defaultSeverity: 'info',
    fixable: 'safe',
    messages: {
      unpinned: '`FROM {{image}}` ({{where}}) pulls whatever the tag points to at build time: a `@sha256:` digest pins it{{policy}}{{noFix}}{{lookup}}',
      viaArg: '`FROM {{written}}` ({{where}}) resolves to `{{image}}` from the ARG defaults and is not pinned by digest{{policy}}; a digest in the FROM line would override a `--build-arg`, so pin the ARG default by hand',
      refusedEntry: '`FROM {{image}}` ({{where}}) is not pinned, and the pin map\'s entry `{{entry}}` is refused: {{problem}}',
    },
    options: { pinMap: PIN_MAP_OPTION, pinLookup: PIN_LOOKUP_OPTION },
  },
  async check({ workspace, files, options }) {
    const sites = fromSites(workspace, files);
    // The majority counts images, not FROM lines: one image in ten copied Dockerfiles is one choice.
    const images = new Map<string, boolean>();
    for (const s of sites) {
      const k = imageKey(s.image.split('@')[0] as string);
      images.set(k, (images.get(k) ?? false) || s.pinned);
    }
    const pinned = [...images.values()].filter(Boolean).length;
    const policy = pinPolicy(workspace, files, 'images', pinned, images.size - pinned);
    const map = pinMapOption(options);
    const looked = pinLookupOption(options);
    const findings: RawFinding[] = [];
    for (const site of sites) {
      if (site.pinned) continue;
      const where = site.stageName ? `stage \`${site.stageName}\`` : `stage ${site.stage}`;
      const base = { file: site.file, offset: site.start, key: site.key, severity: policy ? ('warning' as const) : ('info' as const) };
      const data = { image: site.image, where, policy: policy ? ` (the repository pins by policy: ${policy.why})` : '', noFix: '', lookup: '' };
      if (site.variable) {
        findings.push({ ...base, messageId: 'viaArg', data: { written: site.written, image: site.image, where, policy: data.policy }, fix: null, skipReason: 'changes-behaviour' });
        continue;
      }
      const k = imageKey(site.image);
      const digest = map.map.images[k];
      const refused = map.refused.images.get(k);
      if (!digest) {
        const failed = looked?.failed('images', k);
        if (refused) findings.push({ ...base, messageId: 'refusedEntry', data: { image: site.image, where, entry: refused.key, problem: refused.problem }, fix: null, skipReason: 'needs-pin-map' });
        else if (failed) findings.push({ ...base, messageId: 'unpinned', data: { ...data, noFix: ` (no fix: the --network lookup failed: ${failed})` }, fix: null, skipReason: 'lookup-failed' });
        else findings.push({ ...base, messageId: 'unpinned', data, fix: null, skipReason: 'needs-pin-map' });
        continue;
      }
      const source = looked?.resolved('images', k);
      if (source) data.lookup = ` (the digest is what the tag pointed to at ${looked?.at}, from ${source})`;
      const text = workspace.read(site.file)?.text ?? '';
      if (text.slice(site.start, site.end) !== site.written) {
        findings.push({ ...base, messageId: 'unpinned', data: { ...data, noFix: ' (no fix: the image is split over lines)' }, fix: null, skipReason: 'not-editable' });
        continue;
      }
      findings.push({ ...base, messageId: 'unpinned', data, fix: { safety: 'safe', description: `pin \`${site.image}\` to the digest ${source ? `looked up in ${source}` : 'of the pin map'} (the tag kept)`, edits: [{ file: site.file, start: site.end, end: site.end, text: `@${digest}` }] } });
    }
    return findings;
  },
};
