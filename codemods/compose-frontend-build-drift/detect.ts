/**
 * Which frontend a compose service serves, against the one CI builds (seed 1.10). The chain is
 * compose `build` (context, dockerfile, target) → the Dockerfile stages the image is made of
 * (the target, the stages it is built FROM, and those its `COPY --from` lines copy from) → the
 * package whose `build` script (or `vite build`) runs in them, mapped back to the repository
 * through the stages' COPY lines. CI's side is the packages workflow steps build in their
 * working directory. A workspace root counts as building its members.
 *
 * Second half: an nginx image that ships no config of the repository, while another Dockerfile
 * that builds the same frontend copies one into /etc/nginx.
 */
import type { Facts } from '../../src/facts/facts.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import { isAlias } from 'yaml';
import { serviceView, type ComposeService, type ComposeSet, type ServiceFragment } from '../../src/facts/compose.js';
import {
  buildContexts,
  frontendApps,
  imageStages,
  isNotProductDir,
  packagesBuiltBy,
  stagePackageBuilds,
  workflowPackageBuilds,
  type WorkflowPackageBuild,
} from '../../src/facts/frontend-build.js';
import { baseChain, isDockerfilePath, type DockerfileModel, type Stage } from '../../src/formats/dockerfile.js';
import { isManifestExcluded } from '../../src/facts/ecosystems.js';
import path from 'node:path/posix';

export interface ImageChoice {
  dockerfile: string;
  model: DockerfileModel;
  /** The stage the image is built to. */
  stage: Stage;
  /** The stage name a compose `target` must give; undefined for the last stage. */
  target: string | undefined;
  /** Product frontend apps the image's stages build. */
  serves: string[];
  /** Whether the image runs nginx (its final base image). */
  nginx: boolean;
  /** Repository files the image's stages copy under /etc/nginx. */
  nginxConfigs: string[];
  /** Container ports the image's final stage EXPOSEs. */
  exposes: string[];
}

export interface ServiceDrift {
  set: ComposeSet;
  service: ComposeService;
  /** The fragment whose `build` the image comes from (the last one that sets build). */
  fragment: ServiceFragment;
  context: string;
  image: ImageChoice;
  /** The frontends CI builds that the image does not serve (empty when it serves one of them). */
  ciBuilds: WorkflowPackageBuild[];
  /** The image serves a frontend CI never builds, and no service of the set serves one CI builds. */
  packageDrift: boolean;
  /** Another Dockerfile of the same frontend ships this nginx config; the image ships none. */
  nginxDrift: { dockerfile: string; config: string } | undefined;
  /** Published container ports of the service. */
  ports: string[];
}

const NGINX_IMAGE = /(^|\/)(nginx|nginx-unprivileged|openresty)(:|@|$)/i;

/** The repository's product frontend apps (no examples, docs sites, test apps). */
function productApps(ws: Workspace): Set<string> {
  return new Set(frontendApps(ws).filter((a) => !isNotProductDir(a.dir)).map((a) => a.dir));
}

export function describeImage(facts: Facts, dockerfile: string, model: DockerfileModel, stage: Stage, context: string, apps: Set<string>): ImageChoice {
  const stages = imageStages(model, stage);
  const inImage = new Set(stages);
  const serves = new Set<string>();
  for (const b of stagePackageBuilds(facts, dockerfile, context)) {
    if (!inImage.has(b.stage)) continue;
    for (const d of packagesBuiltBy(facts.workspace, b.packageDir)) if (apps.has(d)) serves.add(d);
  }
  const chain = baseChain(model, stage) ?? [stage];
  const base = chain[chain.length - 1] as Stage;
  const nginxConfigs: string[] = [];
  for (const s of chain) {
    for (const copy of s.copies) {
      if (copy.from !== undefined || !copy.dest) continue;
      const dest = path.resolve(copy.workdir, copy.dest.value);
      if (dest !== '/etc/nginx' && !dest.startsWith('/etc/nginx/')) continue;
      for (const src of copy.sources) {
        const rel = path.normalize(context === '' ? src.value : `${context}/${src.value}`);
        nginxConfigs.push(rel.replace(/\/$/, ''));
      }
    }
  }
  const exposes = chain.flatMap((s) => s.exposes.map((w) => w.value.replace(/\/(tcp|udp)$/i, '')));
  const isLast = model.stages[model.stages.length - 1] === stage;
  return { dockerfile, model, stage, target: isLast ? undefined : (stage.rawName ?? String(stage.index)), serves: [...serves].sort(), nginx: NGINX_IMAGE.test(base.image), nginxConfigs, exposes };
}

/** Each service whose build (in some file of its set) serves another frontend than CI builds, or drops the nginx config. */
export function serviceDrifts(facts: Facts): ServiceDrift[] {
  const ws = facts.workspace;
  const apps = productApps(ws);
  if (apps.size === 0) return [];
  const ciBuilds = workflowPackageBuilds(ws).filter((b) => packagesBuiltBy(ws, b.packageDir).some((d) => apps.has(d)));
  const ciApps = new Set(ciBuilds.flatMap((b) => packagesBuiltBy(ws, b.packageDir)).filter((d) => apps.has(d)));
  const out: ServiceDrift[] = [];
  for (const set of facts.compose.sets) {
    const views: Array<Omit<ServiceDrift, 'ciBuilds' | 'packageDrift' | 'nginxDrift'> & { mountsNginx: boolean }> = [];
    for (const service of set.services.values()) {
      for (const fragment of service.fragments) {
        if (!fragment.build || isAlias(fragment.build.pair.value)) continue;
        const view = serviceView(set, service, fragment.file);
        // The image comes from the last fragment that sets `build`; judge it once, there.
        const last = [...view.fragments].reverse().find((f) => f.build !== undefined);
        if (last !== fragment) continue;
        const image = facts.serviceImage(view);
        if (!image?.stage) continue;
        const mountsNginx = view.fragments.some((f) => f.volumes.some((v) => v.target !== undefined && (v.target === '/etc/nginx' || v.target.startsWith('/etc/nginx/'))));
        views.push({
          set,
          service,
          fragment,
          context: image.context,
          image: describeImage(facts, image.dockerfile, image.model, image.stage, image.context, apps),
          ports: view.fragments.flatMap((f) => f.ports.map((p) => p.container)),
          mountsNginx,
        });
      }
    }
    const setServesCi = views.some((v) => v.image.serves.some((d) => ciApps.has(d)));
    for (const v of views) {
      if (v.image.serves.length === 0) continue;
      const packageDrift = ciApps.size > 0 && !setServesCi && !v.image.serves.some((d) => ciApps.has(d));
      let nginxDrift: ServiceDrift['nginxDrift'];
      if (v.image.nginx && v.image.nginxConfigs.length === 0 && !v.mountsNginx) {
        const frontends = new Set([...v.image.serves, ...(packageDrift ? ciApps : [])]);
        nginxDrift = nginxShippedElsewhere(facts, v.image.dockerfile, v.context, frontends, apps);
      }
      if (!packageDrift && !nginxDrift) continue;
      const { mountsNginx: _m, ...rest } = v;
      out.push({ ...rest, ciBuilds: packageDrift ? ciBuilds : [], packageDrift, nginxDrift });
    }
  }
  return out;
}

/** Dockerfiles of the repository, outside dependencies, fixtures and archives. */
export function repositoryDockerfiles(ws: Workspace): string[] {
  return ws.paths.filter((p) => isDockerfilePath(p) && !isManifestExcluded(p) && !isNotProductDir(p.slice(0, Math.max(0, p.lastIndexOf('/')))));
}

/** Another Dockerfile, built in the same context, whose image serves one of `frontends` and copies an nginx config. */
function nginxShippedElsewhere(facts: Facts, dockerfile: string, context: string, frontends: Set<string>, apps: Set<string>): { dockerfile: string; config: string } | undefined {
  for (const other of repositoryDockerfiles(facts.workspace)) {
    if (other === dockerfile) continue;
    const model = facts.dockerfile(other);
    if (!model || model.error || model.stages.length === 0 || !buildContexts(facts, other, model).includes(context)) continue;
    // Its last stage, or a named stage a target can pick (`static` before a `dev` stage).
    for (const stage of [...model.stages].reverse()) {
      if (stage !== model.stages[model.stages.length - 1] && stage.rawName === undefined) continue;
      const image = describeImage(facts, other, model, stage, context, apps);
      const config = image.nginxConfigs.find((c) => facts.workspace.has(c));
      if (image.nginx && config && image.serves.some((d) => frontends.has(d))) return { dockerfile: other, config };
    }
  }
  return undefined;
}

/**
 * The images the service could build instead: a Dockerfile (the last stage, else one named
 * stage) built in the same context that serves a frontend CI builds (or, when only nginx
 * drifted, the same frontend), runs the same kind of server (nginx or not), copies an nginx
 * config when it runs nginx, and exposes the port the service publishes.
 */
export function candidates(facts: Facts, drift: ServiceDrift): ImageChoice[] {
  const ws = facts.workspace;
  const apps = productApps(ws);
  const wanted = new Set(drift.packageDrift ? drift.ciBuilds.flatMap((b) => packagesBuiltBy(ws, b.packageDir)).filter((d) => apps.has(d)) : drift.image.serves);
  const out: ImageChoice[] = [];
  for (const dockerfile of repositoryDockerfiles(ws)) {
    const model = facts.dockerfile(dockerfile);
    if (!model || model.error || model.stages.length === 0) continue;
    if (dockerfile !== drift.image.dockerfile && !buildContexts(facts, dockerfile, model).includes(drift.context)) continue;
    const fits = (stage: Stage): ImageChoice | undefined => {
      const image = describeImage(facts, dockerfile, model, stage, drift.context, apps);
      if (!image.serves.some((d) => wanted.has(d))) return undefined;
      if (image.nginx !== drift.image.nginx) return undefined;
      if (image.nginx && !image.nginxConfigs.some((c) => ws.has(c) || ws.hasDir(c))) return undefined;
      if (image.exposes.length > 0 && drift.ports.length > 0 && !drift.ports.some((p) => image.exposes.includes(p))) return undefined;
      if (dockerfile === drift.image.dockerfile && stage === drift.image.stage) return undefined;
      return image;
    };
    const last = model.stages[model.stages.length - 1] as Stage;
    const atLast = fits(last);
    if (atLast) {
      out.push(atLast);
      continue;
    }
    for (const stage of model.stages) {
      if (stage === last || stage.rawName === undefined) continue;
      const image = fits(stage);
      if (image) out.push(image);
    }
  }
  return out;
}
