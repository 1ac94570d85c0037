import type { RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { chooseSwitch, declaredSwitches, guardOf, keyLabel, productModules, switchNames } from './detect.js';
import { buildFix, switchLabel } from './fix.js';
import type { AuthGate } from './surface.js';
import { summarizePython } from '../../src/formats/python.js';

/**
 * Seed 1.8: an auth gate (a FastAPI dependency, a Flask before_request hook, a Django or
 * Starlette middleware) lets every request through when its configured key is unset, and nothing
 * stops that in production. Review fix: raise there when the repository's environment switch
 * says production, keep development open, and add a contract test.
 */
const KIND_LABEL: Record<AuthGate['kind'], string> = {
  dependency: 'auth dependency',
  'before-request': 'before_request hook',
  django: 'Django middleware',
  starlette: 'Starlette middleware',
};

export const rule: Rule = {
  meta: {
    id: 'prod-auth-fail-open',
    seedIds: ['1.8'],
    summary: 'An auth dependency or middleware allows every request when its key is unset, with no production guard → review fix: raise in production, keep development open, add a contract test.',
    defaultSeverity: 'warning',
    fixable: 'review',
    messages: {
      failOpen: 'The {{kind}} `{{gate}}` lets every request through when {{key}} is unset (`{{allow}}`), and nothing refuses that in production: raise there when {{switch}} says production{{test}}',
      failOpenNoFix: 'The {{kind}} `{{gate}}` lets every request through when {{key}} is unset (`{{allow}}`), and nothing refuses that in production; no fix: {{why}}',
    },
  },
  async check({ workspace }) {
    const modules = await productModules(workspace);
    if (!modules.some((m) => m.s.gates.length)) return [];
    const declared = declaredSwitches(workspace, modules);
    const names = switchNames(modules, declared);
    const findings: RawFinding[] = [];
    for (const m of modules) {
      for (const gate of m.s.gates) {
        if (guardOf(gate, m, modules, names).kind !== 'none') continue;
        const label = gate.className ? `${gate.className}.${gate.name}` : gate.name;
        const base = {
          file: m.path,
          offset: gate.branch.start,
          key: `${m.path}::${label}`,
        };
        const data = { kind: KIND_LABEL[gate.kind], gate: label, key: `\`${keyLabel(gate.branch.key)}\``, allow: gate.branch.allow };
        const summary = await summarizePython(m.file);
        const choice = chooseSwitch(m, modules, summary.bindings, declared);
        if (!choice.ok) {
          findings.push({ ...base, messageId: 'failOpenNoFix', data: { ...data, why: choice.why }, fix: null, skipReason: choice.reason });
          continue;
        }
        const outcome = await buildFix(workspace, m, gate, choice.sw);
        if (!outcome.fix) {
          findings.push({ ...base, messageId: 'failOpenNoFix', data: { ...data, why: outcome.why }, fix: null, skipReason: outcome.reason });
          continue;
        }
        const test = outcome.test ? `, and add the contract test \`${outcome.test}\`` : outcome.testNote ? ` (${outcome.testNote})` : '';
        findings.push({ ...base, messageId: 'failOpen', data: { ...data, switch: `\`${switchLabel(choice.sw)}\``, test }, fix: outcome.fix });
      }
    }
    return findings;
  },
};

export default rule;
