/**
 * Every `uses:` that names a remote action or reusable workflow, read from the YAML tree (never
 * the text): workflow steps, workflow jobs that call a reusable workflow, and the steps of
 * composite actions (`action.yml`/`action.yaml`). A `uses:` that is text inside a `run:` block
 * scalar, a comment, or a key of some other mapping is not a `uses:` of the workflow, and the
 * tree does not offer it. An alias is the node it points to: one site per node.
 */
import { isAlias, isMap, isScalar, isSeq, type Node, type Scalar } from 'yaml';
import type { Workspace } from '../../src/workspace/workspace.js';
import type { Files } from '../../src/facts/files.js';
import { isManifestExcluded } from '../../src/facts/ecosystems.js';
import { isWorkflowPath } from '../../src/formats/workflow.js';
import { findPair, mapPairs, pairKey, resolveAlias } from '../../src/formats/yaml.js';
import { FULL_SHA, splitActionRef } from '../../src/formats/pin-map.js';

export type RefKind = 'pinned' | 'tag' | 'short-sha' | 'docker-tag' | 'docker-digest';

export interface UsesSite {
  file: string;
  /** The value as YAML reads it: `actions/checkout@v4`, `docker://alpine:3.19`. */
  uses: string;
  /** The scalar node that holds it (an alias's target). */
  node: Scalar;
  /** Where, in words: "job `build`, step 2", "reusable workflow of job `release`", "composite step 1". */
  where: string;
  /** Stable identity, without line numbers: the file, the job and step, the value. */
  key: string;
  kind: RefKind;
  /** For actions: the name part and the ref; for docker: the image reference after `docker://`. */
  name: string;
  ref: string;
  /** The step or job mapping is written in flow style (`{ uses: … }`). */
  flow: boolean;
}

export function isCompositeActionPath(p: string): boolean {
  return /(^|\/)action\.ya?ml$/.test(p);
}

/** What kind of ref a remote `uses:` value has, or undefined for a local action or a value that is not a ref. */
export function classify(uses: string): { kind: RefKind; name: string; ref: string } | undefined {
  const value = uses.trim();
  if (value.startsWith('./') || value.startsWith('../') || value.includes('${{')) return undefined;
  if (value.startsWith('docker://')) {
    const image = value.slice('docker://'.length);
    if (image === '') return undefined;
    const at = image.indexOf('@');
    return at !== -1 ? { kind: 'docker-digest', name: image.slice(0, at), ref: image.slice(at + 1) } : { kind: 'docker-tag', name: image, ref: '' };
  }
  const split = splitActionRef(value);
  if (!split) return undefined;
  if (FULL_SHA.test(split.ref)) return { kind: 'pinned', ...split };
  if (/^[0-9a-f]{7,39}$/i.test(split.ref) && /\d/.test(split.ref)) return { kind: 'short-sha', ...split };
  return { kind: 'tag', ...split };
}

function scalarOf(doc: Parameters<typeof resolveAlias>[0], node: unknown): Scalar | undefined {
  const target = isAlias(node) ? resolveAlias(doc, node) : node;
  return isScalar(target) && typeof target.value === 'string' ? target : undefined;
}

export function usesSites(ws: Workspace, files: Files): UsesSite[] {
  const out: UsesSite[] = [];
  for (const p of ws.paths) {
    const workflow = isWorkflowPath(p);
    if (!workflow && !(isCompositeActionPath(p) && !isManifestExcluded(p))) continue;
    const parsed = files.yaml(p);
    if (!parsed || parsed.error || !parsed.doc.contents) continue;
    const doc = parsed.doc;
    const seen = new Set<Scalar>();
    const add = (item: unknown, where: string, keyPath: string): void => {
      const owner = isAlias(item) ? resolveAlias(doc, item) : item;
      const pair = findPair(owner, 'uses');
      if (!pair) return;
      const node = scalarOf(doc, pair.value);
      if (!node || seen.has(node)) return;
      const c = classify(node.value as string);
      if (!c) return;
      seen.add(node);
      out.push({ file: p, uses: (node.value as string).trim(), node, where, key: `${p}:${keyPath}:${(node.value as string).trim()}`, ...c, flow: isMap(owner) && owner.flow === true });
    };
    const root = doc.contents as Node;
    if (workflow) {
      for (const jobPair of mapPairs(findPair(root, 'jobs')?.value)) {
        const id = pairKey(jobPair);
        const job = jobPair.value;
        if (id === undefined || !isMap(job)) continue;
        add(job, `reusable workflow of job \`${id}\``, `jobs.${id}`);
        const steps = findPair(job, 'steps')?.value;
        if (isSeq(steps)) steps.items.forEach((step, i) => add(step, `job \`${id}\`, step ${i + 1}`, `jobs.${id}.steps.${i}`));
      }
    } else {
      const steps = findPair(findPair(root, 'runs')?.value, 'steps')?.value;
      if (isSeq(steps)) steps.items.forEach((step, i) => add(step, `composite step ${i + 1}`, `runs.steps.${i}`));
    }
  }
  return out;
}
