import { describe, it, expect } from 'vitest';
import { lockedInstall, writesLockfile } from '../codemods/ci-npm-ci-without-lockfile/install.js';
import { checkoutDir } from '../src/formats/workflow.js';

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);

describe('locked installs', () => {
  it.each([
    ['npm ci', 'npm', undefined],
    ['npm clean-install --no-audit', 'npm', undefined],
    ['CI=1 npm --prefix web ci', 'npm', 'web'],
    ['npm ci --prefix=web', 'npm', 'web'],
    ['yarn --frozen-lockfile', 'yarn', undefined],
    ['yarn install --immutable --cwd app', 'yarn', 'app'],
    ['pnpm install --frozen-lockfile -C pkg', 'pnpm', 'pkg'],
    ['pnpm i --frozen-lockfile --dir=pkg', 'pnpm', 'pkg'],
    ['bun ci', 'bun', undefined],
    ['bun install --frozen-lockfile --cwd b', 'bun', 'b'],
  ])('%s', (cmd, manager, dir) => {
    const found = lockedInstall(words(cmd));
    expect(found?.manager).toBe(manager);
    expect(found?.dirArg).toBe(dir);
  });

  it.each(['npm install', 'npm run ci', 'npm --prefix ci install', 'yarn install', 'yarn build --frozen-lockfile', 'pnpm install', 'pnpm install --frozen-lockfile --no-frozen-lockfile', 'bun install', 'npx ci', 'echo npm ci'])('not %s', (cmd) => {
    expect(lockedInstall(words(cmd))).toBeUndefined();
  });

  it('knows which installs write a lockfile', () => {
    expect(writesLockfile(words('npm install'))).toBe(true);
    expect(writesLockfile(words('npm i --package-lock-only'))).toBe(true);
    expect(writesLockfile(words('yarn'))).toBe(true);
    expect(writesLockfile(words('npm ci'))).toBe(false);
    expect(writesLockfile(words('npm install --no-package-lock'))).toBe(false);
    expect(writesLockfile(words('npm run build'))).toBe(false);
  });

  it('resolves working directories inside the checkout only', () => {
    expect(checkoutDir('./web/', '')).toBe('web');
    expect(checkoutDir('..', 'a/b')).toBe('a');
    expect(checkoutDir('..', '')).toBeUndefined();
    expect(checkoutDir('${{ matrix.dir }}', '')).toBeUndefined();
    expect(checkoutDir('/abs', '')).toBeUndefined();
  });
});
