/**
 * The review fix: point the service's `build` at the image that serves the frontend CI builds
 * (and ships the nginx config): `dockerfile:` replaced or added, `target:` replaced, added or
 * removed, in the fragment the image comes from. Quoting, comments, key order and line
 * endings are kept; a new key goes on its own line with the mapping's indentation.
 */
import path from 'node:path/posix';
import { isMap, isScalar, type Scalar } from 'yaml';
import type { Fix, SkipReason, TextEdit } from '../../src/model/types.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import { blockIndent, findPair, mapPairs, nodeRange, pairRemovalSpan, pairValueEnd, scalarContentSpan } from '../../src/formats/yaml.js';
import type { ImageChoice, ServiceDrift } from './detect.js';

export interface FixOutcome {
  fix: Fix | null;
  skipReason?: SkipReason;
  reason?: string;
  /** The image the fix builds instead. */
  choice?: ImageChoice;
}

export function describeChoice(choice: ImageChoice): string {
  return choice.target === undefined ? `\`${choice.dockerfile}\`` : `\`${choice.dockerfile}\` (target \`${choice.target}\`)`;
}

/** A YAML scalar written plain when it can be, else double-quoted. */
function yamlScalar(value: string): string {
  return /^[\w@%+=,./-]+$/.test(value) && !/^[-?:,[\]{}#&*!|>'"%@`]/.test(value) ? value : JSON.stringify(value);
}

/** Replace a scalar's content, inside its quotes when it is quoted. */
function replaceScalar(text: string, node: unknown, value: string, file: string): TextEdit | undefined {
  const span = scalarContentSpan(text, node);
  if (!span || !isScalar(node)) return undefined;
  const written = node.type === 'QUOTE_DOUBLE' ? JSON.stringify(value).slice(1, -1) : node.type === 'QUOTE_SINGLE' ? value.replace(/'/g, "''") : yamlScalar(value);
  return { file, start: span[0], end: span[1], text: written };
}

export function fixFor(ws: Workspace, drift: ServiceDrift, choices: ImageChoice[]): FixOutcome {
  if (choices.length === 0) return { fix: null, skipReason: 'no-candidate', reason: 'no Dockerfile built in this context serves that frontend' + (drift.image.nginx ? ' with an nginx config' : '') };
  if (choices.length > 1) return { fix: null, skipReason: 'ambiguous-target', reason: `${choices.length} images could serve it: ${choices.map(describeChoice).join(', ')}` };
  const choice = choices[0] as ImageChoice;
  const fragment = drift.fragment;
  const build = fragment.build;
  const file = ws.read(fragment.file.path);
  if (!build || !file) return { fix: null, skipReason: 'not-editable' };
  const text = file.text;
  const map = build.map;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const relDockerfile = path.relative(drift.context === '' ? '.' : drift.context, choice.dockerfile);
  if (!map && isScalar(build.pair.value) && !build.pair.value.anchor) {
    const short = shortFormFix(text, file.path, drift, build.pair.value, relDockerfile, choice, eol);
    return short ? { fix: { safety: 'review', description: `build service \`${drift.service.name}\` from ${describeChoice(choice)}`, edits: [short] }, choice } : { fix: null, skipReason: 'unusual-layout', reason: `\`build:\` of service \`${drift.service.name}\` is not laid out as a block` };
  }
  if (!map || !isMap(map) || map.flow) return { fix: null, skipReason: 'unusual-layout', reason: `\`build:\` of service \`${drift.service.name}\` is not a block mapping` };
  // An anchored build mapping is reused by every alias of it: editing it would move them too.
  if (map.anchor) return { fix: null, skipReason: 'other-consumers', reason: `the \`build:\` mapping is the anchor \`&${map.anchor}\`, which other services may reuse` };
  const indent = blockIndent(text, map);
  if (indent === undefined) return { fix: null, skipReason: 'unusual-layout' };
  const pad = ' '.repeat(indent);
  const edits: TextEdit[] = [];
  let inserted = '';
  let removal: TextEdit | undefined;
  const dockerfilePair = findPair(map, 'dockerfile');
  // Another stage of the same Dockerfile: only the target changes.
  if (choice.dockerfile === drift.image.dockerfile) {
    // nothing to write for `dockerfile:`
  } else if (dockerfilePair) {
    const e = replaceScalar(text, dockerfilePair.value, relDockerfile, file.path);
    if (!e) return { fix: null, skipReason: 'not-editable' };
    edits.push(e);
  } else inserted += `${pad}dockerfile: ${yamlScalar(relDockerfile)}${eol}`;
  const targetPair = findPair(map, 'target');
  if (choice.target !== undefined) {
    if (targetPair) {
      const e = replaceScalar(text, targetPair.value, choice.target, file.path);
      if (!e) return { fix: null, skipReason: 'not-editable' };
      edits.push(e);
    } else inserted += `${pad}target: ${yamlScalar(choice.target)}${eol}`;
  } else if (drift.service.fragments.some((f) => f !== fragment && f.build?.target !== undefined)) {
    // Another compose file sets a target too: removing this one would let that one through.
    return { fix: null, skipReason: 'unusual-layout', reason: 'a target is set in another compose file' };
  } else if (targetPair) {
    const span = pairRemovalSpan(text, map, targetPair);
    if (!span) return { fix: null, skipReason: 'unusual-layout' };
    removal = { file: file.path, start: span[0], end: span[1], text: '' };
  }
  if (inserted !== '') {
    // After the line of the pair the new keys follow (dockerfile, else context), else before the first key.
    const after = dockerfilePair ?? findPair(map, 'context');
    let at: number | undefined;
    if (after) {
      const end = pairValueEnd(after);
      const nl = end === undefined ? -1 : text.indexOf('\n', end);
      at = nl === -1 ? undefined : nl + 1;
    } else {
      const first = nodeRange(mapPairs(map)[0]?.key);
      at = first ? text.lastIndexOf('\n', first[0] - 1) + 1 : undefined;
    }
    if (at === undefined) return { fix: null, skipReason: 'unusual-layout' };
    // A new line where the removed target's line starts replaces it: one edit, not two at one offset.
    if (removal && removal.start === at) {
      removal.text = inserted;
      inserted = '';
    } else edits.push({ file: file.path, start: at, end: at, text: inserted });
  }
  if (removal) edits.push(removal);
  return {
    fix: {
      safety: 'review',
      description: `build service \`${drift.service.name}\` from ${describeChoice(choice)}`,
      edits,
    },
    choice,
  };
}

/**
 * `build: ./web` (a context only) becomes a block mapping with the same context, written as it
 * was, and the new keys, one indentation step below the service's keys. Only a one-line scalar
 * in a block-style service is rewritten; a trailing comment stays after the last new line.
 */
function shortFormFix(text: string, file: string, drift: ServiceDrift, value: Scalar, dockerfile: string, choice: ImageChoice, eol: string): TextEdit | undefined {
  const service = drift.fragment.map;
  const range = nodeRange(value);
  if (!service || service.flow || !range || value.type === 'BLOCK_LITERAL' || value.type === 'BLOCK_FOLDED') return undefined;
  if (choice.target === undefined && drift.service.fragments.some((f) => f !== drift.fragment && f.build?.target !== undefined)) return undefined;
  const raw = text.slice(range[0], range[1]);
  if (raw.includes('\n')) return undefined;
  const keysIndent = blockIndent(text, service);
  const nameStart = nodeRange(drift.fragment.keyNode)?.[0];
  if (keysIndent === undefined || nameStart === undefined) return undefined;
  const nameIndent = nameStart - (text.lastIndexOf('\n', nameStart - 1) + 1);
  const step = keysIndent - nameIndent;
  if (step <= 0) return undefined;
  // The value must sit on the `build:` line: `build:` followed by the scalar on the next line is rare and not rewritten.
  const lineStart = text.lastIndexOf('\n', range[0] - 1) + 1;
  if (!/^[ \t]*build:[ \t]+$/.test(text.slice(lineStart, range[0]))) return undefined;
  const pad = ' '.repeat(keysIndent + step);
  const lines = [`context: ${raw}`];
  if (choice.dockerfile !== drift.image.dockerfile) lines.push(`dockerfile: ${yamlScalar(dockerfile)}`);
  if (choice.target !== undefined) lines.push(`target: ${yamlScalar(choice.target)}`);
  // `build: ./web` → `build:` and the mapping below it (the space before the value goes too).
  const start = text.slice(0, range[0]).replace(/[ \t]+$/, '').length;
  return { file, start, end: range[1], text: lines.map((l) => `${eol}${pad}${l}`).join('') };
}
