import { DOUBT } from '../docs-messages.js';

const COMPOSE = '`{{command}}` names service `{{name}}`, which is not defined in {{files}}{{mentions}}';
const SERVER = '{{server}} target `{{target}}` {{why}}';
const SCRIPT = '`python {{script}}`: `{{path}}` does not exist (run from {{where}}); {{relocation}}';
const MODULE = '`python -m {{module}}`: no module `{{module}}` in the repository';

/** The message templates; a fix's `…Doubt` variant holds it for review (docs-messages `doubtful`). */
export const MESSAGES = {
  composeService: `${COMPOSE}; it must mean \`{{service}}\` ({{signals}})`,
  composeServiceDoubt: `${COMPOSE}; it must mean \`{{service}}\` ({{signals}})${DOUBT}`,
  composeCandidates: `${COMPOSE}; it could mean {{candidates}} (no single match, not changed)`,
  composeNotEditable: `${COMPOSE}; it must mean \`{{service}}\`, but the text cannot be edited in place (not changed)`,
  composeUnknown: `${COMPOSE}; known services: {{known}} (not changed)`,
  composeRoleAmbiguous: "`{{command}}` names service `{{name}}`, which is not defined in {{files}}; `{{name}}` names the web application's role, but several services run one ({{apps}}); not changed",
  serverTarget: `${SERVER}; {{evidence}}`,
  serverTargetDoubt: `${SERVER}; {{evidence}}${DOUBT}`,
  serverTargetWithPath: `${SERVER}; {{evidence}} (importable with \`{{prefix}}\`)`,
  serverTargetWithPathDoubt: `${SERVER}; {{evidence}} (importable with \`{{prefix}}\`)${DOUBT}`,
  serverConflict: '{{server}} target `{{target}}` loads `{{file}}` as `{{module}}`, which no deployment does, and the deployments disagree on its name ({{names}}); not changed',
  serverSeveralApps: `${SERVER}; the repository runs several apps ({{apps}}); not changed`,
  serverCandidates: `${SERVER}; candidates {{candidates}} (not changed)`,
  serverNoApp: `${SERVER}; no application found to point it at (not changed)`,
  serverNotEditable: `${SERVER}; it must be \`{{replacement}}\` ({{evidence}}), but the text cannot be edited in place (not changed)`,
  serverUnreachable: `${SERVER}; it must be \`{{replacement}}\` ({{evidence}}), which this command's import path does not reach (not changed)`,
  serverUnresolved: `${SERVER}; it must be \`{{replacement}}\` ({{evidence}}) (not changed)`,
  script: SCRIPT,
  scriptDoubt: `${SCRIPT}${DOUBT}`,
  moduleMoved: `${MODULE}; the module is now \`{{replacement}}\` (the only module of that name)`,
  moduleMovedDoubt: `${MODULE}; the module is now \`{{replacement}}\` (the only module of that name)${DOUBT}`,
  moduleCandidates: `${MODULE}; candidates {{candidates}} (not changed)`,
  moduleNotEditable: `${MODULE}; it must be \`{{replacement}}\`, but the text cannot be edited in place (not changed)`,
  moduleMissing: `${MODULE}; no module of that name (not changed)`,
};

export type MessageId = keyof typeof MESSAGES;
