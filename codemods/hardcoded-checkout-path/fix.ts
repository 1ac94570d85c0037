/**
 * The checkout root as each script language finds it from where the script sits: `%~dp0` for
 * batch files, `$PSScriptRoot` for PowerShell, the script's folder for shell, `__file__` for
 * Python. `depth` is the number of folders between the repository root and the script.
 */
import type { CheckoutPath } from './detect.js';

export type ScriptKind = 'batch' | 'powershell' | 'shell' | 'python';

export function scriptKind(p: string): ScriptKind | undefined {
  const ext = p.slice(p.lastIndexOf('.') + 1).toLowerCase();
  if (ext === 'bat' || ext === 'cmd') return 'batch';
  if (ext === 'ps1' || ext === 'psm1') return 'powershell';
  if (ext === 'sh' || ext === 'bash') return 'shell';
  if (ext === 'py') return 'python';
  return undefined;
}

export function batchRoot(depth: number, path: CheckoutPath): string {
  const up = '..\\'.repeat(depth);
  if (!path.rest) return depth === 0 ? '%~dp0.' : `%~dp0${up.slice(0, -1)}`;
  return `%~dp0${up}${path.rest.split('/').join('\\')}`;
}

export function powershellRoot(depth: number, path: CheckoutPath): string {
  return ['$PSScriptRoot', ...Array<string>(depth).fill('..'), ...(path.rest ? path.rest.split('/') : [])].join('\\');
}

/** Inside double quotes the expansion needs none of its own; unquoted, it is quoted against word splitting. */
export function shellRoot(depth: number, path: CheckoutPath, inDoubleQuotes: boolean): string {
  const up = depth === 0 ? '' : `/${Array<string>(depth).fill('..').join('/')}`;
  const expr = `$(cd "$(dirname "$0")${up}" && pwd)${path.rest ? `/${path.rest}` : ''}`;
  return inDoubleQuotes ? expr : `"${expr}"`;
}

export function pythonRoot(depth: number, path: CheckoutPath, pathName: string): string {
  return `str(${pathName}(__file__).resolve().parents[${depth}]${path.rest ? ` / ${JSON.stringify(path.rest)}` : ''})`;
}
