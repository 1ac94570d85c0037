/**
 * The Python web apps the repository deploys (compose services and Dockerfiles that run
 * uvicorn, gunicorn or hypercorn on a target that resolves in its container), and the ports it
 * publishes for them: what docs-command-drift and docs-port-drift compare doc commands with.
 * Also the server invocations of a command line, shared with the doc commands.
 */
import path from 'node:path/posix';
import { isSeq } from 'yaml';
import { isDockerfilePath } from '../../formats/dockerfile.js';
import { scalarString } from '../../formats/yaml.js';
import { splitShell, simpleCommands, findServerInvocation, serverInvocations as shellServerInvocations, type FoundInvocation, type ServerInvocation } from '../../formats/shell.js';
import { serviceView, type ServiceView } from '../compose.js';
import { factSlot, type Facts } from '../facts.js';
import { parseAppTarget, resolveAppTarget } from '../python-app.js';
import { baseName, commandHead, operandValue } from './command-head.js';
import { moduleRoot } from './python.js';

export interface AppDeployment {
  file: string;
  attr: string;
  /** The module name the deployment uses, and the repo directory it resolves from. */
  module: string;
  root: string | undefined;
  /** Human-readable: "service `backend` (CMD of Dockerfile)". */
  via: string;
  /** The compose service that runs it (undefined for a Dockerfile run on its own). */
  service: string | undefined;
  /** The port the server listens on in the container (its --port/--bind, else EXPOSE, else 8000). */
  containerPort: string | undefined;
  /** Host ports compose publishes for that container port. */
  hostPorts: string[];
}

const SERVER_DEFAULT_PORT = '8000';
const deploymentCache = factSlot<Promise<AppDeployment[]>>('app deployments');

/**
 * Every way the repository runs a Python web app: compose services (their `command` /
 * `entrypoint`, else their image's CMD / ENTRYPOINT) and Dockerfiles no compose service builds.
 * Only targets that resolve in their own container context count.
 */
export function appDeployments(facts: Facts): Promise<AppDeployment[]> {
  let found = deploymentCache.get(facts);
  if (!found) {
    found = collectDeployments(facts);
    deploymentCache.set(facts, found);
  }
  return found;
}

async function collectDeployments(facts: Facts): Promise<AppDeployment[]> {
  const out: AppDeployment[] = [];
  const built = new Set<string>();
  for (const set of facts.compose.sets) {
    for (const service of set.services.values()) {
      // Overrides are alternatives (dev, prod): judge the base alone and the base with each override.
      const files = [...new Set(service.fragments.map((f) => f.file))];
      const base = files.find((f) => f.isBase) ?? set.files.find((f) => f.isBase);
      const views = [...new Set([base, ...files.filter((f) => !f.isBase)])].filter((f): f is NonNullable<typeof f> => f !== undefined).map((f) => serviceView(set, service, f));
      for (const view of views) {
        if (view.fragments.length === 0) continue;
        const image = facts.serviceImage(view);
        if (image) built.add(image.dockerfile);
        const argvs: Array<{ argv: string[]; via: string }> = [];
        let commanded = false;
        for (const f of view.fragments) {
          for (const spec of [f.command, f.entrypoint]) {
            if (!spec) continue;
            if (spec.key === 'command') commanded = true;
            const via = `service \`${service.name}\` (${spec.key} in ${f.file.path})`;
            if (spec.form === 'list' && isSeq(spec.node)) argvs.push({ argv: spec.node.items.map((i) => scalarString(i) ?? ''), via });
            else {
              const value = scalarString(spec.node);
              if (value !== undefined) for (const cmd of simpleCommands(splitShell(value))) argvs.push({ argv: cmd.map((w) => w.value), via });
            }
          }
        }
        if (!commanded) for (const cmd of image?.stage?.commands ?? []) argvs.push({ argv: cmd.words.map((w) => w.value), via: `service \`${service.name}\` (${cmd.keyword} of ${image?.dockerfile})` });
        for (const { argv, via } of argvs) {
          for (const inv of serverInvocations(argv)) {
            const d = await deployment(facts, view, inv.argv, inv.inv, via, image?.stage?.exposes.map((e) => e.value) ?? []);
            if (d) out.push(d);
          }
        }
      }
    }
  }
  for (const p of facts.workspace.paths) {
    if (!isDockerfilePath(p) || built.has(p)) continue;
    const model = facts.dockerfile(p);
    if (!model || model.error) continue;
    for (const stage of model.stages) {
      for (const cmd of stage.commands) {
        for (const inv of serverInvocations(cmd.words.map((w) => w.value))) {
          const d = await deployment(facts, standaloneService(p, stage.rawName), inv.argv, inv.inv, `the ${cmd.keyword} of ${p}`, stage.exposes.map((e) => e.value));
          if (d) out.push(d);
        }
      }
    }
  }
  return out;
}

/** A Dockerfile built on its own (context: its folder), seen as a one-fragment service so facts can map its paths. */
function standaloneService(dockerfile: string, target: string | undefined): ServiceView {
  const dir = path.dirname(dockerfile) === '.' ? '' : path.dirname(dockerfile);
  const fragment = {
    name: '(image)',
    file: { path: dockerfile, dir, isBase: true },
    build: { context: '.', dockerfile: path.basename(dockerfile), target, inline: false },
    volumes: [],
    environment: new Map(),
    ports: [],
    workingDir: undefined,
  };
  return { name: '(image)', fragments: [fragment], incomplete: false } as unknown as ServiceView;
}

async function deployment(facts: Facts, service: ServiceView, argv: string[], inv: ServerInvocation, via: string, exposes: string[]): Promise<AppDeployment | undefined> {
  if (inv.targetIndex === undefined || inv.config !== undefined) return undefined;
  const target = parseAppTarget(argv[inv.targetIndex] as string);
  if (!target) return undefined;
  const ctx = facts.serviceExecContext(service, inv);
  if (!ctx) return undefined;
  const r = await resolveAppTarget(facts.workspace, ctx, target);
  if (r.status !== 'ok') return undefined;
  const listen = serverPort(argv, inv);
  const exposed = exposes.map((e) => e.replace(/\/(tcp|udp)$/i, '')).filter((e) => /^\d+$/.test(e));
  const containerPort = listen?.value !== undefined && /^\d+$/.test(listen.value) ? listen.value : exposed.length === 1 ? exposed[0] : listen === undefined ? SERVER_DEFAULT_PORT : undefined;
  const hostPorts = new Set<string>();
  for (const f of service.fragments) for (const p of f.ports ?? []) if (p.container === containerPort && p.published && /^\d+$/.test(p.published)) hostPorts.add(p.published);
  const serviceName = service.name === '(image)' ? undefined : service.name;
  return { file: r.file, attr: target.attr, module: target.module, root: moduleRoot(target.module, r.file), via, service: serviceName, containerPort, hostPorts: [...hostPorts] };
}

/** Server invocations of an argv (through `sh -c`, with its `cd`s); argv is the one the invocation indexes. */
export function serverInvocations(argv: string[]): FoundInvocation[] {
  return shellServerInvocations(argv, serverAtHead);
}

export function serverAtHead(argv: readonly string[]): ServerInvocation | undefined {
  const head = commandHead(argv);
  if (!head) return undefined;
  const w = baseName(argv[head.index] as string);
  const isServer = ['uvicorn', 'gunicorn', 'hypercorn'].includes(w) || (/^python(\d+(\.\d+)?)?$/.test(w) && argv[head.index + 1] === '-m' && ['uvicorn', 'gunicorn', 'hypercorn'].includes(argv[head.index + 2] ?? ''));
  if (!isServer) return undefined;
  const rest = argv.slice(head.index);
  const inv = findServerInvocation(rest);
  if (!inv) return undefined;
  for (const [k, v] of head.env) if (!inv.env.has(k)) inv.env.set(k, v);
  const shift = head.index;
  return {
    ...inv,
    targetIndex: inv.targetIndex === undefined ? undefined : inv.targetIndex + shift,
    port: inv.port ? { value: inv.port.value, index: inv.port.index + shift } : undefined,
  };
}

/** The port a server listens on: `--port N`, `--port=N`, `-b/--bind host:N`; the word that holds it. */
export function serverPort(argv: readonly string[], inv: ServerInvocation): { value: string; index: number } | undefined {
  if (inv.port) {
    const w = argv[inv.port.index] as string;
    return { value: operandValue(w), index: inv.port.index };
  }
  for (let j = 0; j < argv.length; j++) {
    const w = argv[j] as string;
    let value: string | undefined;
    let index = j;
    if (w === '-b' || w === '--bind') {
      value = argv[j + 1];
      index = j + 1;
    } else if (w.startsWith('--bind=')) value = w.slice(7);
    else if (/^-b\S/.test(w)) value = w.slice(2);
    if (value === undefined) continue;
    if (value.startsWith('unix:') || value.startsWith('fd://')) return undefined;
    const m = /:([^:]+)$/.exec(value);
    return m ? { value: m[1] as string, index } : undefined;
  }
  return undefined;
}
