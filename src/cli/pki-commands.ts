// The PKI commands in one import for main.ts: `burrow ca …` and `burrow cert …`.
export { registerCaCommand } from './ca-command.js';
export { registerCertCommand } from './cert-command.js';
