/**
 * What a dead reference is settled as, once git history has been asked about every missing
 * path: the path it must name now (and the edit), or why nothing is changed.
 */
import path from 'node:path/posix';
import type { RuleMeta } from '../../src/model/rule.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import { parseDockerfile } from '../../src/formats/dockerfile.js';
import { existsInRepo, isEnvTemplate, joinRepo, relativeRef } from '../../src/facts/docs/paths.js';
import { namesakes, relocate, relocationText, seemsMoved, writtenFromAnotherBase, type Histories } from '../../src/facts/docs/relocation.js';
import { siteOf, type DocsSite } from '../../src/facts/docs/sites.js';
import { type DocProblem } from '../../src/facts/docs/findings.js';
import { relocationSkip, say, type SaidProblem } from '../docs-messages.js';
import { type Pending } from './detect.js';

const HEAD_RELOCATION = '{{head}}; {{relocation}}';
const REVIEW = '; {{reviewBecause}}, so the fix is for review';
const IN_RECORD = '; not rewritten: it sits in {{record}}, a record of the past';

/** The rule's message templates (meta.messages). */
export const MESSAGES = {
  routeNoPage: 'link target `{{written}}` names no page of the {{generator}} site (no `{{missing}}` page or folder; not changed)',
  envTemplate: '{{head}}; generating it is the job of env-example-missing{{elsewhere}} (not changed)',
  moved: HEAD_RELOCATION,
  movedReview: `${HEAD_RELOCATION}${REVIEW}`,
  movedInRecord: `${HEAD_RELOCATION}${IN_RECORD}`,
  movedReviewInRecord: `${HEAD_RELOCATION}${REVIEW}${IN_RECORD}`,
} as const;

type DocFix = NonNullable<DocProblem['fix']>;

/**
 * Why pointing `-f` at a Dockerfile that moved to another folder is not enough: its COPY/ADD
 * sources (literal paths, not from a stage) are not all found in the build context the command
 * keeps. They may have moved with it, and then the context must move too (`cd` into the new
 * folder, or another context argument). Undefined when every source is there (or none is literal).
 */
function contextMismatch(ws: Workspace, dockerfile: string, context: string): string | undefined {
  const file = ws.read(dockerfile);
  if (!file) return undefined;
  const model = parseDockerfile(file);
  if (model.error) return undefined;
  const missing: string[] = [];
  for (const stage of model.stages) {
    for (const c of stage.copies) {
      if (c.from !== undefined) continue;
      for (const src of c.sources) {
        const v = src.value.replace(/^\.\//, '').replace(/\/$/, '');
        if (!v || v === '.' || /[*?[\]$]/.test(v) || /^[a-z]+:\/\//i.test(v) || v.startsWith('/')) continue;
        const at = joinRepo(context, v);
        if (at === undefined || !existsInRepo(ws, at)) missing.push(v);
      }
    }
  }
  if (missing.length === 0) return undefined;
  return `its COPY source${missing.length === 1 ? '' : 's'} ${missing.slice(0, 3).map((m) => `\`${m}\``).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in the build context \`${context || '.'}\` the command keeps (the context may have to move with the Dockerfile)`;
}

export function isMissingTemplate(p: Pending): boolean {
  return isEnvTemplate(p.missing) && !p.env.ws.has(p.missing);
}

/**
 * The gap-analysis items a dead reference is an instance of: a missing env template or compose
 * file the docs expect (0.1), a drift in a JSON project index (1.4), a reference to a path that
 * moved elsewhere (2.8). A dead link in some report with no successor is none of them.
 */
function seedsOf(p: Pending, moved: boolean): string[] {
  const seeds: string[] = [];
  if (!moved && (isEnvTemplate(p.missing) || /(^|\/)(docker-)?compose[\w.-]*\.ya?ml$/.test(p.missing))) seeds.push('0.1');
  if (p.env.doc.endsWith('.json')) seeds.push('1.4');
  if (moved) seeds.push('2.8');
  return seeds;
}

/** Generators that serve their static folder at the site's root and resolve `/x` there in pages. */
const SERVES_STATIC_AT_ROOT = new Set(['web app', 'docusaurus', 'vitepress', 'astro', 'mintlify']);

/** `/rest` when `target` is a non-page file in one of the site's static folders. */
function servedUrl(site: DocsSite, target: string): string | undefined {
  if (!SERVES_STATIC_AT_ROOT.has(site.generator) || /\.(md|mdx|markdown)$/i.test(target)) return undefined;
  const roots = site.assetRoots.filter((r) => r === '' || target.startsWith(`${r}/`)).sort((a, b) => b.length - a.length);
  const root = roots[0];
  return root === undefined ? undefined : `/${root ? target.slice(root.length + 1) : target}`;
}

export function settle(meta: RuleMeta, p: Pending, histories: Histories): SaidProblem | undefined {
  if (p.fileOrDir) {
    // Read as a file first; as a folder when only that reading finds where it went.
    const asFile = settleProblem(meta, p, histories);
    if (asFile?.fix) return withSeeds(p, asFile);
    const asDir = settleProblem(meta, { ...p, dir: true }, histories);
    return withSeeds(p, asDir?.fix ? asDir : asFile);
  }
  return withSeeds(p, settleProblem(meta, p, histories));
}

function withSeeds(p: Pending, settled: SaidProblem | undefined): SaidProblem | undefined {
  return settled && { ...settled, seedIds: seedsOf(p, settled.fix !== undefined || /; it (is now|is probably|must be) /.test(settled.message)) };
}

function settleProblem(meta: RuleMeta, p: Pending, histories: Histories): SaidProblem | undefined {
  const { env, kind, offset, written, missing, dir, base, head, span, suffix } = p;
  if (p.route) {
    // A route names a page by its URL: no folder of the same name is its new home.
    return say(meta, { doc: env.doc, offset, kind, subject: written, fix: undefined }, { messageId: 'routeNoPage', data: { written, generator: p.route.generator, missing }, skipReason: 'no-candidate' });
  }
  if (isMissingTemplate(p)) {
    // An env template belongs to the project in its folder: one in another folder lists another
    // project's variables, so it is never offered as this one's new home.
    const elsewhere = namesakes(env.ws, missing, dir, env.opts);
    const note = elsewhere.length ? ` (\`${elsewhere.join('`, `')}\` belongs to another folder's project, so it is not repointed)` : '';
    return say(meta, { doc: env.doc, offset, kind, subject: written, fix: undefined, reportedBy: { ruleId: 'env-example-missing', key: `missing:${missing}` } }, { messageId: 'envTemplate', data: { head, elsewhere: note }, skipReason: 'no-candidate' });
  }
  const wrongBase = p.rootRelative ? undefined : writtenFromAnotherBase(env.ws, base, written, dir);
  const history = histories(missing, dir);
  const moved = wrongBase ?? relocate(env.ws, missing, dir, env.opts, history);
  if (p.onlyIfMoved && !seemsMoved(moved)) return undefined;
  if (kind !== 'link' && !p.config && !env.doc.endsWith('.json') && !wrongBase && moved.safety !== 'safe') {
    // Prose and commands name files that are not the repository's on purpose: the reader's own
    // input (`cat invoice.json`), another tool's script (`./firmwalker.sh`), a file a design
    // proposes (`**Location**: \`web/src/pages/New/index.tsx\``). A path that never existed
    // here, or a bare file name the repository never had, is one of those, not drift. Kept: a
    // dead link (whatever it names), a file a command reads as its configuration (the project
    // is expected to have its `docker-compose.prod.yml`), and the entries of a JSON project
    // index (an index of the repository lists its files).
    if (history.status === 'never') return undefined;
    if (!written.replace(/^\.\//, '').includes('/') && history.status !== 'deleted' && history.status !== 'renamed') return undefined;
  }
  // A docs site serves only what is under its folder: a path that reaches a file outside it
  // works on GitHub, not on the published site.
  const site = siteOf(env.ws, env.doc);
  const outside = moved.target !== undefined && site !== undefined && site.root !== '' && !moved.target.startsWith(`${site.root}/`) && kind === 'link';
  const movedDockerfile = p.buildContext !== undefined && moved.target !== undefined && path.dirname(moved.target) !== path.dirname(missing);
  const reviewBecause =
    p.reviewBecause ??
    (outside ? `the ${site?.generator} site under \`${site?.root}/\` does not serve \`${moved.target}\`` : undefined) ??
    (movedDockerfile ? contextMismatch(env.ws, moved.target as string, p.buildContext as string) : undefined);
  const editable = span !== undefined && env.editable;
  const data = { head, relocation: relocationText(moved, dir, editable) };
  if (!moved.target || !moved.safety || !span || !editable) return say(meta, { doc: env.doc, offset, kind, subject: written, fix: undefined }, { messageId: 'moved', data, skipReason: relocationSkip(moved, editable) });
  // A file the site serves from its static folder is written as the site's URL for it
  // (`/templates/a.webp` for `public/templates/a.webp`), as its pages write them.
  const served = kind === 'link' && site && !dir ? servedUrl(site, moved.target) : undefined;
  const replacement = (served ?? (p.rootRelative ? `/${moved.target}${dir && written.endsWith('/') ? '/' : ''}` : relativeRef(base, moved.target, written, dir))) + suffix;
  const fix: DocFix = { edits: [{ start: span[0], end: span[1], text: replacement }], replacement, description: `point \`${written}\` at \`${replacement}\``, safety: reviewBecause ? 'review' : moved.safety };
  // A guess is for review anyway: only a certain target says why it is held back.
  const said = reviewBecause && moved.safety === 'safe' ? { messageId: 'movedReview', data: { ...data, reviewBecause } } : { messageId: 'moved', data };
  return say(meta, { doc: env.doc, offset, kind, subject: written, fix }, said);
}
