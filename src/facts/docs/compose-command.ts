/**
 * `docker compose …` / `docker-compose …` command lines: the compose files, env files and
 * project directory they name, the subcommand, and which words are services. Judged only when
 * every option is known, since an unknown option may take a value. The tables follow the
 * Compose CLI reference.
 */
import { baseName, commandHead } from './command-head.js';

interface SubcommandSpec {
  values: string[];
  flags: string[];
  /** Which positional words are services. */
  services: 'all' | 'first' | 'none';
}

const COMPOSE_GLOBAL_VALUES = new Set(['-f', '--file', '-p', '--project-name', '--project-directory', '--env-file', '--profile', '--ansi', '--progress', '--parallel', '-c', '--context', '-H', '--host', '--log-level', '--tlscacert', '--tlscert', '--tlskey']);
const COMPOSE_GLOBAL_FLAGS = new Set(['--compatibility', '--dry-run', '--verbose', '--no-ansi', '--tls', '--tlsverify', '--skip-hostname-check', '--all-resources']);
const T = ['-t', '--timeout'];
const SUBCOMMANDS: Record<string, SubcommandSpec> = {
  up: {
    values: [...T, '--scale', '--exit-code-from', '--attach', '--no-attach', '--pull', '--wait-timeout'],
    flags: ['-d', '--detach', '--build', '--no-build', '--force-recreate', '--no-recreate', '--no-deps', '--remove-orphans', '-V', '--renew-anon-volumes', '--quiet-pull', '--quiet-build', '--no-color', '--no-log-prefix', '--no-start', '--timestamps', '--wait', '-w', '--watch', '--abort-on-container-exit', '--abort-on-container-failure', '--always-recreate-deps', '--attach-dependencies', '--menu', '-y', '--yes'],
    services: 'all',
  },
  down: { values: [...T, '--rmi'], flags: ['-v', '--volumes', '--remove-orphans'], services: 'all' },
  start: { values: [], flags: [], services: 'all' },
  stop: { values: T, flags: [], services: 'all' },
  restart: { values: T, flags: ['--no-deps'], services: 'all' },
  logs: { values: ['--tail', '-n', '--since', '--until', '--index'], flags: ['-f', '--follow', '-t', '--timestamps', '--no-color', '--no-log-prefix'], services: 'all' },
  ps: { values: ['--filter', '--format', '--status'], flags: ['-a', '--all', '-q', '--quiet', '--services', '--orphans', '--no-trunc'], services: 'all' },
  pull: { values: ['--policy'], flags: ['-q', '--quiet', '--ignore-pull-failures', '--include-deps', '--ignore-buildable', '--parallel', '--no-parallel'], services: 'all' },
  push: { values: [], flags: ['--ignore-push-failures', '--include-deps', '-q', '--quiet'], services: 'all' },
  build: { values: ['--build-arg', '--ssh', '--progress', '-m', '--memory', '--builder'], flags: ['--no-cache', '--pull', '--push', '-q', '--quiet', '--with-dependencies', '--parallel', '--no-rm', '--force-rm', '--check', '--print'], services: 'all' },
  create: { values: ['--pull', '--scale'], flags: ['--build', '--no-build', '--force-recreate', '--no-recreate', '--remove-orphans', '-y', '--yes', '--quiet-pull'], services: 'all' },
  rm: { values: [], flags: ['-f', '--force', '-s', '--stop', '-v', '--volumes', '-a', '--all'], services: 'all' },
  kill: { values: ['-s', '--signal'], flags: ['--remove-orphans'], services: 'all' },
  pause: { values: [], flags: [], services: 'all' },
  unpause: { values: [], flags: [], services: 'all' },
  top: { values: [], flags: [], services: 'all' },
  images: { values: ['--format'], flags: ['-q', '--quiet'], services: 'all' },
  events: { values: [], flags: ['--json'], services: 'all' },
  wait: { values: [], flags: ['--down-project'], services: 'all' },
  watch: { values: [], flags: ['--no-up', '--prune', '--quiet'], services: 'all' },
  stats: { values: ['--format'], flags: ['-a', '--all', '--no-stream', '--no-trunc'], services: 'all' },
  exec: { values: ['-u', '--user', '-e', '--env', '-w', '--workdir', '--index'], flags: ['-d', '--detach', '--privileged', '-T', '--no-TTY', '--no-tty', '-i', '--interactive', '-t', '--tty'], services: 'first' },
  run: {
    values: ['--name', '--entrypoint', '-e', '--env', '-l', '--label', '-u', '--user', '-p', '--publish', '-v', '--volume', '-w', '--workdir', '--pull', '--cap-add', '--cap-drop', '--env-from-file'],
    flags: ['-d', '--detach', '--no-deps', '--rm', '--service-ports', '--use-aliases', '-T', '--no-TTY', '--no-tty', '-i', '--interactive', '-t', '--tty', '--build', '--quiet-pull', '--remove-orphans', '-P'],
    services: 'first',
  },
  port: { values: ['--index', '--protocol'], flags: [], services: 'first' },
  attach: { values: ['--detach-keys', '--index'], flags: ['--no-stdin', '--sig-proxy'], services: 'first' },
};

export interface ComposeRun {
  /** Indices of `-f` values. */
  files: number[];
  envFiles: number[];
  projectDirectory: number | undefined;
  subcommand: string | undefined;
  /** Indices of the words that name services (empty when the command cannot be read fully). */
  services: number[];
  /** False when an option we do not know makes the positional words uncertain. */
  judgeable: boolean;
}

/**
 * `docker compose …` / `docker-compose …`: its compose files, its subcommand, and which words
 * are services — only when every option is known (an unknown option may take a value).
 */
export function composeRun(argv: readonly string[]): ComposeRun | undefined {
  const head = commandHead(argv);
  if (!head) return undefined;
  const h = baseName(argv[head.index] as string);
  let i: number;
  if ((h === 'docker' || h === 'podman') && argv[head.index + 1] === 'compose') i = head.index + 2;
  else if (h === 'docker-compose' || h === 'podman-compose') i = head.index + 1;
  else return undefined;
  const run: ComposeRun = { files: [], envFiles: [], projectDirectory: undefined, subcommand: undefined, services: [], judgeable: true };
  for (; i < argv.length; i++) {
    const w = argv[i] as string;
    if (!w.startsWith('-')) break;
    const eq = w.startsWith('--') ? w.indexOf('=') : -1;
    const flag = eq === -1 ? w : w.slice(0, eq);
    if (COMPOSE_GLOBAL_VALUES.has(flag)) {
      const at = eq === -1 ? i + 1 : i;
      if (flag === '-f' || flag === '--file') run.files.push(at);
      if (flag === '--env-file') run.envFiles.push(at);
      if (flag === '--project-directory') run.projectDirectory = at;
      if (eq === -1) i++;
    } else if (/^-f./.test(w)) {
      return { ...run, judgeable: false };
    } else if (!COMPOSE_GLOBAL_FLAGS.has(flag)) return { ...run, judgeable: false };
  }
  run.subcommand = argv[i];
  const spec = run.subcommand ? SUBCOMMANDS[run.subcommand] : undefined;
  if (!spec) return { ...run, judgeable: false };
  const values = new Set(spec.values);
  const flags = new Set(spec.flags);
  let options = true;
  for (let j = i + 1; j < argv.length; j++) {
    const w = argv[j] as string;
    if (options && w === '--') {
      options = false;
      continue;
    }
    if (options && w.startsWith('-') && w.length > 1) {
      const eq = w.startsWith('--') ? w.indexOf('=') : -1;
      const flag = eq === -1 ? w : w.slice(0, eq);
      if (values.has(flag)) {
        if (eq === -1) j++;
        continue;
      }
      if (flags.has(flag)) continue;
      // Bundled short flags: -dV, -ft.
      if (/^-[A-Za-z]{2,}$/.test(w) && [...w.slice(1)].every((c) => flags.has(`-${c}`))) continue;
      return { ...run, services: [], judgeable: false };
    }
    if (spec.services === 'none') break;
    run.services.push(j);
    if (spec.services === 'first') break;
  }
  return run;
}
