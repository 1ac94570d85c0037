/**
 * Single-file look-alikes, written with the in-memory rule tester (tests/helpers/rule-tester.ts).
 * Multi-file layouts, `--write`, git history and `git apply` stay in the golden folders.
 */
import { ruleTester } from './helpers/rule-tester.js';

ruleTester('docs-dead-reference', {
  valid: [
    { name: 'a link to a file that exists', files: { 'README.md': 'See [the guide](docs/guide.md).\n', 'docs/guide.md': '# Guide\n' } },
    { name: 'an extensionless link in MDX is a site route', files: { 'docs/a.mdx': 'See [the CLI](/configuration/cli).\n', 'tools/cli/run.sh': '' } },
    { name: 'a command of a skill shipped for other projects', files: { 'skills/check/SKILL.md': '---\nname: check\ndescription: Check the project.\n---\n\nRun `pip install -r requirements-test.txt`.\n' } },
    { name: 'a file the same doc has the reader create', files: { 'README.md': '```bash\necho "x: 1" > local.yaml\ndocker compose -f local.yaml up\n```\n' } },
  ],
  invalid: [
    {
      name: 'the same file with its extension spelled .yml',
      files: { 'README.md': 'The stack: [compose](docker-compose.yaml).\n', 'docker-compose.yml': 'services: {}\n' },
      errors: [{ key: /docker-compose\.yaml=>docker-compose\.yml/, message: /extension spelled `\.yml`/, safety: 'safe' }],
      output: { 'README.md': 'The stack: [compose](docker-compose.yml).\n' },
    },
    {
      name: 'a link written from the wrong folder',
      files: { 'docs/dev/setup.md': 'See [the architecture](./docs/ops/arch.md).\n', 'docs/ops/arch.md': '# Arch\n' },
      errors: [{ file: 'docs/dev/setup.md', line: 1, message: /written from the wrong folder/, safety: 'safe' }],
      output: { 'docs/dev/setup.md': 'See [the architecture](../ops/arch.md).\n' },
    },
    {
      name: 'a name guess in another folder is for review',
      files: { 'README.md': 'Deploy with [the stack](stack.yaml).\n', 'deploy/stack.yml': 'services: {}\n' },
      errors: [{ message: /guessed from the file name/, safety: 'review' }],
      output: { 'README.md': 'Deploy with [the stack](deploy/stack.yml).\n' },
    },
    {
      name: 'a dead link with nothing of its name anywhere',
      files: { 'README.md': 'Read [the notes](docs/notes.md).\n' },
      errors: [{ key: /docs\/notes\.md#0$/, safety: null }],
      output: null,
      reason: 'nothing says where the page went: a reader needs to know, the tool cannot guess',
    },
  ],
});

ruleTester('dependabot-coverage', {
  valid: [
    {
      name: 'every manifest is watched',
      files: { '.github/dependabot.yml': 'version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /\n    schedule:\n      interval: weekly\n', 'requirements.txt': 'flask==3.0.3\n' },
    },
  ],
  invalid: [
    {
      name: 'pnpm is not a Dependabot ecosystem',
      files: {
        '.github/dependabot.yml': 'version: 2\nupdates:\n  - package-ecosystem: "pnpm"\n    directory: "/"\n    schedule:\n      interval: "weekly"\n',
        'package.json': '{ "dependencies": { "vite": "5.4.0" } }\n',
        'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
      },
      errors: [{ key: 'ecosystem:pnpm:', safety: 'safe' }],
      output: { '.github/dependabot.yml': 'version: 2\nupdates:\n  - package-ecosystem: "npm"\n    directory: "/"\n    schedule:\n      interval: "weekly"\n' },
    },
  ],
});

ruleTester('compose-undeclared-volume', {
  valid: [
    { name: 'a declared named volume', files: { 'compose.yaml': 'services:\n  db:\n    image: postgres:16\n    volumes:\n      - data:/var/lib/postgresql/data\nvolumes:\n  data:\n' } },
    { name: 'a bind mount is not a named volume', files: { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    volumes:\n      - ./site:/usr/share/nginx/html\n' } },
  ],
  invalid: [
    {
      name: 'a named volume declared nowhere',
      files: { 'compose.yaml': 'services:\n  db:\n    image: postgres:16\n    volumes:\n      - data:/var/lib/postgresql/data\n' },
      errors: [{ messageId: 'undeclared', data: { volume: 'data', service: 'db' }, safety: 'safe' }],
      output: { 'compose.yaml': 'services:\n  db:\n    image: postgres:16\n    volumes:\n      - data:/var/lib/postgresql/data\n\nvolumes:\n  data:\n' },
    },
    {
      name: 'a flow-style top-level volumes: reported, not rewritten',
      files: { 'compose.yaml': 'services:\n  db:\n    image: postgres:16\n    volumes:\n      - data:/var/lib/postgresql/data\nvolumes: { other: {} }\n' },
      errors: [{ messageId: 'undeclared', data: { volume: 'data' }, safety: null, skipReason: 'unusual-layout' }],
      output: null,
      reason: 'the layout of a flow mapping is the author\'s; the rule does not guess at it',
    },
  ],
});
