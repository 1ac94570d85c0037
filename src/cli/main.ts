import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { packageRoot } from '../util/package-root.js';
import { escapeControls } from '../report/escape.js';
import { DEFAULT_FAIL_ON, EXIT_CLEAN, EXIT_ERROR, FORMATS, HELP_DEFAULTS, UsageError, parseConcurrency, selected, type Io, type MainOptions, type PrCliOptions } from './options.js';

export { EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR } from './options.js';

/** `--select`, `--rule` and `--ignore`, the same on every command that runs rules. */
function withRuleSelection(cmd: Command): Command {
  return cmd
    .option('--select <ids>', 'run only these rules (comma-separated; repeatable)', ruleIds('--select'))
    .option('--rule <id>', 'run only this rule (one id; repeatable; the same as --select)', ruleIds('--rule'))
    .option('--ignore <ids>', 'do not run these rules (comma-separated; repeatable)', ruleIds('--ignore'));
}

function ruleIds(flag: string) {
  return (value: string, previous: string[] | undefined): string[] => {
    const ids = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (ids.length === 0) throw new UsageError(`${flag}: no rule id in ${JSON.stringify(value)}`);
    return [...(previous ?? []), ...ids];
  };
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * Commander's own usage errors (unknown option, missing value, bad choice) as one line with a
 * pointer to the help of the command, instead of the whole help.
 */
function usageOutput(command: string, io: Io) {
  return {
    writeOut: (s: string) => io.stdout.write(s),
    writeErr: (s: string) => io.stderr.write(s),
    outputError: (s: string, write: (s: string) => void) => write(`${command}: ${escapeControls(s.trim().replace(/^error: /, '').replace(/\s*\n\s*\(Did you mean/g, ' (did you mean').replace(/\s*\n\s*/g, ' '))} (see \`${command} --help\`)\n`),
  };
}

/**
 * The CLI as a program runs it (bin/autopack-fix.js, the Action's bundle): `main` on the
 * arguments, its result as the exit code. A reader that stops early (`autopack-fix list-rules |
 * head -3`) closes the pipe: the run ends as a C program ended by SIGPIPE would (exit 141),
 * without a stack trace.
 */
export async function runProgram(argv: string[]): Promise<void> {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(141);
    throw error;
  });
  process.exitCode = await main(argv);
}

/** The CLI, as a function: returns the exit code (0 clean, 1 findings/changes, 2 error). */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let exitCode = EXIT_CLEAN;
  const program = new Command();
  const positiveInt = (name: string) => (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name}: not a positive integer: ${v}`);
    return n;
  };
  program
    // Program options are read only before a subcommand, so `pr --select x` reaches `pr`.
    .enablePositionalOptions()
    .name('autopack-fix')
    .description('Find repository drift (compose, Dockerfiles, docs, CI) and fix it with minimal, proven edits.')
    .usage('[paths...] [options]')
    .argument('[paths...]', 'the root (one folder), or files and folders to report on: the root is then the git top level of the current directory (see --root)')
    .version(version(), '-V, --version', 'print the version')
    .helpCommand('help [command]', 'show the help of a command')
    .option('--dry-run', 'show findings and the unified diff of every fix; write nothing')
    .option('--write', 'apply the fixes')
    .option('--fix', 'the same as --write')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('text'))
    .option('-o, --output-file <path>', 'write the report to this file instead of stdout (no colour)')
    .option('--root <dir>', 'the repository root; every argument is then a path to report on')
    .option('--statistics', 'count the findings per rule (fixable or not) instead of listing them')
    .option('--max-annotations <n>', 'with --format github: at most this many annotations of each kind (error, warning, notice), then one notice with the count of the rest (GitHub shows 10 of each per step)', positiveInt('--max-annotations'))
    .option('-q, --quiet', 'print the findings only: no summary, no hints, no notes on stderr')
    .option('-v, --verbose', 'whole messages however long, and every skipped file by name')
    .option('--exit-zero', 'exit 0 even when findings remain (errors still exit 2)')
    .addOption(new Option('--fail-on <severity>', 'the lowest severity that makes the exit code 1').choices(['error', 'warning', 'info']).default(DEFAULT_FAIL_ON))
    .option('--config <path>', 'configuration file (default: autopack-fix.config.{json,yaml,yml} or package.json "autopack-fix", from the root up to the repository top)')
    .option('--no-baseline', `report every finding, also those recorded in ${HELP_DEFAULTS.baselineFile}`)
    .option('--update-baseline', `record today's findings in ${HELP_DEFAULTS.baselineFile}; later runs report only new ones`)
    .option('--changed-since <ref>', 'report only findings in files changed since the merge-base with <ref> (and untracked files)')
    .option('--unsafe-fixes', 'also apply review-class fixes')
    .option('--allow-dirty', 'allow --write on a working tree with uncommitted changes (or outside git)')
    .option('--max-file-size <bytes>', `skip files larger than this (default ${HELP_DEFAULTS.maxFileBytes})`, positiveInt('--max-file-size'))
    .option('--no-cache', 'do not read or write the cache of what earlier runs read from each Python module and Markdown doc')
    .option('--concurrency <n>', 'parse workers that read the Python modules and Markdown docs beside the rules: a number, off, or auto (the default: one per core but one, for a repository of at least 1,000 Python modules); the output is the same; AUTOPACK_FIX_CONCURRENCY sets the default', (v: string) => parseConcurrency(v, '--concurrency'))
    .option('--cache-location <dir>', 'where the cache lives (default: a folder per repository under AUTOPACK_FIX_CACHE_DIR, else ~/.cache/autopack-fix; nothing is written in the repository)')
    .option('--pin-map <file>', 'JSON or YAML map of the pins you vouch for ({"actions": {"actions/checkout@v4": "<commit sha>"}, "images": {"node:20-alpine": "sha256:…"}}): unpinned-action and unpinned-base-image fix from it')
    .option('--network', 'look up the pins the map does not give: an action tag\'s commit through the GitHub API (GITHUB_API_URL, GITHUB_TOKEN), an image tag\'s digest through its registry (AUTOPACK_FIX_REGISTRY_URL for a mirror); a failed lookup leaves the finding report-only')
    .option('--save-pin-map <file>', 'with --network: write the pins of this run (the --pin-map file\'s and the looked-up ones) to this JSON file, in the --pin-map format, to commit and reuse')
    .option('--branch [name]', `with --write: commit the fixes to a new branch (default ${HELP_DEFAULTS.branchPrefix}${HELP_DEFAULTS.branchName}), one commit per rule, without touching the checkout`)
    .option('--branch-prefix <prefix>', "the bot's branch prefix", HELP_DEFAULTS.branchPrefix)
    .option('--author <ident>', 'author of the branch commits, "Name <email>" (default: the repository\'s git identity, else autopack-fix)')
    .option('--committer <ident>', 'committer of the branch commits (same default)')
    .exitOverride()
    .configureOutput(usageOutput('autopack-fix', io))
    .action(async (args: string[], opts: MainOptions) => {
      if (opts.fix) opts.write = true;
      if (opts.branch === undefined && (opts.author || opts.committer)) throw new UsageError('--author and --committer apply only with --write --branch');
      if (opts.quiet && opts.verbose) throw new UsageError('--quiet and --verbose exclude each other');
      if (opts.savePinMap !== undefined && !opts.network) throw new UsageError('--save-pin-map writes what --network looked up; add --network');
      const target = await (await import('./target.js')).resolveTarget(args, opts.root);
      // The check goes through the run memo first, which loads the engine only when it must run.
      exitCode = opts.branch !== undefined ? await (await import('./check.js')).runBranchCommand(target, opts, io, args.length > 0 || opts.root !== undefined) : await (await import('./memo.js')).runWithOutputFile(target, opts, io);
    });

  withRuleSelection(program);

  const pr = program
    .command('pr')
    .description('commit the fixes to the bot branch, push it and open or update a pull request (GitHub)')
    .argument('[root]', 'repository root', '.')
    .option('--dry-run', 'print the commits, the diff and the PR body that would be pushed; no network call (but the pin lookups of --network)')
    .option('--remote <name>', 'the remote to push to', 'origin')
    .option('--repo <owner/name>', 'the GitHub repository (default: from the remote URL)')
    .option('--base <branch>', "the PR's base branch (default: the repository's default branch)")
    .option('--branch <name>', `the bot branch (default ${HELP_DEFAULTS.branchPrefix}${HELP_DEFAULTS.branchName}); must be under the prefix`)
    .option('--branch-prefix <prefix>', "the bot's branch prefix; it never pushes anywhere else", HELP_DEFAULTS.branchPrefix)
    .option('--token-env <name>', 'environment variable holding the GitHub token', 'GITHUB_TOKEN')
    .option('--config <path>', 'configuration file (default: searched from the root, as for every run)')
    .option('--unsafe-fixes', 'also commit review-class fixes (in their own commits)')
    .option('--draft', 'open the pull request as a draft')
    .option('--label <name...>', 'labels to put on the pull request')
    .option('--reviewer <login...>', 'reviewers to request when the PR is opened (org/team for a team)')
    .option('--max-open-prs <n>', `do not open a PR when this many bot PRs are open (default ${HELP_DEFAULTS.maxOpenPrs})`, positiveInt('--max-open-prs'), HELP_DEFAULTS.maxOpenPrs)
    .option('--author <ident>', 'author of the commits, "Name <email>"')
    .option('--committer <ident>', 'committer of the commits, "Name <email>"')
    .option('--max-file-size <bytes>', 'skip files larger than this', positiveInt('--max-file-size'))
    .option('--docs-url <template>', "link for a rule's README in the PR body; {rule} is replaced")
    .option('--pin-map <file>', 'JSON or YAML map of the pins you vouch for (as for the check): unpinned-action and unpinned-base-image fix from it')
    .option('--network', 'look up the pins the map does not give (GitHub API with the --token-env token, image registries); also with --dry-run')
    .option('-v, --verbose', 'every skipped file by name')
    .option('-q, --quiet', 'no notes on stderr, only warnings and errors')
    .action(async (root: string, opts: PrCliOptions) => {
      if (opts.quiet && opts.verbose) throw new UsageError('--quiet and --verbose exclude each other');
      const { prCommand } = await import('../bot/pr.js');
      exitCode = await prCommand(
        {
          root,
          dryRun: !!opts.dryRun,
          remote: opts.remote,
          repo: opts.repo,
          base: opts.base,
          branch: opts.branch,
          branchPrefix: opts.branchPrefix,
          tokenEnv: opts.tokenEnv,
          configPath: opts.config,
          only: selected(opts),
          ignore: opts.ignore,
          unsafeFixes: !!opts.unsafeFixes,
          draft: !!opts.draft,
          labels: opts.label ?? [],
          reviewers: opts.reviewer ?? [],
          maxOpenPrs: opts.maxOpenPrs,
          author: opts.author,
          committer: opts.committer,
          maxFileSize: opts.maxFileSize,
          docsUrl: opts.docsUrl,
          pinMap: opts.pinMap,
          network: !!opts.network,
          verbose: opts.verbose,
          quiet: opts.quiet,
        },
        { out: (s) => io.stdout.write(s), err: (s) => io.stderr.write(s), env: io.env },
      );
    });
  pr.configureOutput(usageOutput('autopack-fix pr', io));

  withRuleSelection(pr);

  const nonNegativeInt = (name: string) => (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || v.trim() === '') throw new UsageError(`${name}: not a whole number: ${v}`);
    return n;
  };
  const list = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)];
  const sinks = { out: (s: string) => io.stdout.write(s), err: (s: string) => io.stderr.write(s), env: io.env };

  const campaign = program
    .command('campaign')
    .description('one fix wave over many repositories, as a GitHub Actions matrix: plan → run (one job per shard) → report')
    .configureOutput(usageOutput('autopack-fix campaign', io));

  campaign
    .command('plan')
    .description('list the target repositories, check each is reachable with the token, and write the plan and its matrix (shards)')
    .option('--org <name>', 'every repository of this organisation')
    .option('--user <name>', "every repository this user owns")
    .option('--list <file>', 'the repositories in this file, one owner/name a line (# comments)')
    .option('--topic <topics>', 'keep repositories with one of these topics (comma-separated; repeatable)', list)
    .option('--language <name>', "keep repositories whose main language is this one")
    .option('--name <globs>', 'keep repositories whose name or owner/name matches one of these globs (comma-separated; repeatable)', list)
    .option('--include-archived', 'keep archived repositories (left out by default)')
    .option('--include-forks', 'keep forks (left out by default)')
    .option('--shard-size <n>', `repositories per shard (one matrix job each; at most 256 shards) (default ${HELP_DEFAULTS.shardSize})`, positiveInt('--shard-size'), HELP_DEFAULTS.shardSize)
    .requiredOption('--out <file>', 'where to write the plan (JSON); with GITHUB_OUTPUT set, `matrix`, `shards` and `repositories` are step outputs too')
    .option('--token-env <name>', 'environment variable holding the GitHub token', 'GITHUB_TOKEN')
    .option('--api-url <url>', 'the GitHub API (default: GITHUB_API_URL, else https://api.github.com)')
    .configureOutput(usageOutput('autopack-fix campaign plan', io))
    .action(async (opts: { org?: string; user?: string; list?: string; topic?: string[]; language?: string; name?: string[]; includeArchived?: boolean; includeForks?: boolean; shardSize: number; out: string; tokenEnv: string; apiUrl?: string }) => {
      const { campaignPlanCommand } = await import('../campaign/plan.js');
      exitCode = await campaignPlanCommand(
        {
          org: opts.org,
          user: opts.user,
          list: opts.list,
          topics: opts.topic ?? [],
          language: opts.language,
          includeArchived: !!opts.includeArchived,
          includeForks: !!opts.includeForks,
          names: opts.name ?? [],
          shardSize: opts.shardSize,
          out: opts.out,
          tokenEnv: opts.tokenEnv,
          apiUrl: opts.apiUrl,
        },
        sinks,
      );
    });

  const run = campaign
    .command('run')
    .description('for each repository of a shard (or each local clone): clone, fix, push the bot branch and open or update its PR; one result JSON per repository')
    .option('--plan <file>', 'the plan `campaign plan` wrote')
    .option('--shard <k>', 'the shard of the plan to run (the matrix value)', nonNegativeInt('--shard'))
    .option('--clones <dir-or-file>', 'instead of a plan: run over existing local clones (a folder of clones, or a file listing their paths)')
    .requiredOption('--out <dir>', 'folder for the results (<owner>__<name>.json each)')
    .option('--concurrency <n>', `repositories at once (default ${HELP_DEFAULTS.concurrency})`, positiveInt('--concurrency'), HELP_DEFAULTS.concurrency)
    .option('--max-prs <n>', 'open at most this many new PRs in the whole wave (each shard takes its share; updates are not capped)', nonNegativeInt('--max-prs'))
    .option('--max-open-prs <n>', `per repository: do not open a PR when this many bot PRs are open (default ${HELP_DEFAULTS.maxOpenPrs})`, positiveInt('--max-open-prs'), HELP_DEFAULTS.maxOpenPrs)
    .option('--dry-run', 'open, update and push nothing; record what would be done (outcome dry-run)')
    .option('--config <path>', "the campaign's configuration, laid over each repository's own")
    .option('--token-env <name>', 'environment variable holding the GitHub token', 'GITHUB_TOKEN')
    .option('--api-url <url>', 'the GitHub API (default: GITHUB_API_URL, else https://api.github.com)')
    .option('--branch <name>', `the bot branch (default ${HELP_DEFAULTS.branchPrefix}${HELP_DEFAULTS.branchName}); must be under the prefix`)
    .option('--branch-prefix <prefix>', "the bot's branch prefix; it never pushes anywhere else", HELP_DEFAULTS.branchPrefix)
    .option('--unsafe-fixes', 'also commit review-class fixes (in their own commits)')
    .option('--draft', 'open the pull requests as drafts')
    .option('--label <name...>', 'labels to put on the pull requests')
    .option('--reviewer <login...>', 'reviewers to request when a PR is opened (org/team for a team)')
    .option('--author <ident>', 'author of the commits, "Name <email>"')
    .option('--committer <ident>', 'committer of the commits, "Name <email>"')
    .option('--docs-url <template>', "link for a rule's README in the PR body; {rule} is replaced")
    .option('--pin-map <file>', 'JSON or YAML map of the pins you vouch for (as for the check): unpinned-action and unpinned-base-image fix from it')
    .option('--network', 'look up the pins the map does not give (GitHub API with the --token-env token, image registries); also with --dry-run')
    .option('--work-dir <dir>', 'where the shallow clones go (default: the system temp folder); each is removed after its repository')
    .configureOutput(usageOutput('autopack-fix campaign run', io))
    .action(async (opts: Omit<PrCliOptions, 'dryRun' | 'remote' | 'repo' | 'base' | 'maxFileSize' | 'verbose' | 'quiet'> & { plan?: string; shard?: number; clones?: string; out: string; concurrency: number; maxPrs?: number; dryRun?: boolean; apiUrl?: string; workDir?: string }) => {
      const { campaignRunCommand } = await import('../campaign/run.js');
      exitCode = await campaignRunCommand(
        {
          plan: opts.plan,
          shard: opts.shard,
          clones: opts.clones,
          out: opts.out,
          concurrency: opts.concurrency,
          maxPrs: opts.maxPrs,
          maxOpenPrs: opts.maxOpenPrs,
          dryRun: !!opts.dryRun,
          configOverride: opts.config,
          tokenEnv: opts.tokenEnv,
          apiUrl: opts.apiUrl,
          branch: opts.branch,
          branchPrefix: opts.branchPrefix,
          only: selected(opts),
          ignore: opts.ignore,
          unsafeFixes: !!opts.unsafeFixes,
          draft: !!opts.draft,
          labels: opts.label ?? [],
          reviewers: opts.reviewer ?? [],
          author: opts.author,
          committer: opts.committer,
          docsUrl: opts.docsUrl,
          pinMap: opts.pinMap,
          network: !!opts.network,
          workDir: opts.workDir,
        },
        sinks,
      );
    });
  withRuleSelection(run);

  campaign
    .command('report')
    .description("merge a wave's result files into a Markdown summary, a JSON file and an HTML page")
    .argument('<results...>', 'result files or folders of them (what `campaign run --out` wrote)')
    .option('--out <dir>', 'write campaign-report.md, .json and .html here')
    .option('--markdown <file>', 'write the Markdown summary here (GITHUB_STEP_SUMMARY, say)')
    .option('--html <file>', 'write the HTML page here')
    .option('--json <file>', 'write the merged JSON here')
    .option('--refresh', "read the PRs' current state (merged, closed) back from GitHub")
    .option('--token-env <name>', 'environment variable holding the GitHub token (for --refresh)', 'GITHUB_TOKEN')
    .option('--api-url <url>', 'the GitHub API (default: GITHUB_API_URL, else https://api.github.com)')
    .configureOutput(usageOutput('autopack-fix campaign report', io))
    .action(async (results: string[], opts: { out?: string; markdown?: string; html?: string; json?: string; refresh?: boolean; tokenEnv: string; apiUrl?: string }) => {
      const { campaignReportCommand } = await import('../campaign/report.js');
      exitCode = await campaignReportCommand({ results, out: opts.out, markdown: opts.markdown, html: opts.html, json: opts.json, refresh: !!opts.refresh, tokenEnv: opts.tokenEnv, apiUrl: opts.apiUrl }, sinks);
    });

  program
    .command('list-rules')
    .description('list the rules: id, fix class and summary (--format json: also the default severity and the docs)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts: { format: 'text' | 'json' }) => {
      // The catalogue, not the registry: listing loads no rule and no parser (cli/catalogue.ts).
      const { ruleCatalogue } = await import('./catalogue.js');
      const RULES = await ruleCatalogue();
      if (opts.format === 'json') {
        const rules = RULES.map((r) => ({
          id: r.id,
          summary: r.summary,
          fixable: r.fixable,
          defaultSeverity: r.defaultSeverity,
          seedIds: r.seedIds,
          enabledByDefault: r.enabledByDefault,
          docs: `codemods/${r.id}/README.md`,
        }));
        io.stdout.write(`${JSON.stringify({ schemaVersion: 1, rules }, null, 2)}\n`);
        return;
      }
      for (const r of RULES) {
        io.stdout.write(`${r.id.padEnd(32)} ${r.fixable.padEnd(7)} ${r.seedIds.join(',').padEnd(10)} ${r.enabledByDefault ? '' : '(opt-in) '}${r.summary}\n`);
      }
    })
    .configureOutput(usageOutput('autopack-fix list-rules', io));

  program
    .command('explain')
    .description("print a rule's documentation")
    .argument('<rule-id>')
    .action(async (id: string) => {
      const { ruleCatalogue } = await import('./catalogue.js');
      const { unknownRulesMessage } = await import('../util/suggest.js');
      const ids = (await ruleCatalogue()).map((r) => r.id);
      if (!ids.includes(id)) throw new UsageError(unknownRulesMessage([id], ids));
      io.stdout.write(readFileSync(path.join(packageRoot(), 'codemods', id, 'README.md'), 'utf8'));
    })
    .configureOutput(usageOutput('autopack-fix explain', io));

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT_CLEAN : EXIT_ERROR;
    }
    // Messages quote names and arguments as given: no control character reaches the terminal.
    io.stderr.write(`autopack-fix: ${escapeControls(error instanceof Error ? error.message : String(error))}\n`);
    return EXIT_ERROR;
  }
  return exitCode;
}
