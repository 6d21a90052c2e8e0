export { explainToken } from './explain.js'
export { explainDeps, type ExplainDeps, type ValidatorParts } from './wiring.js'
export type { CheckName, ClaimsSummary, ExplainCheck, ExplainReport } from './report.js'
export type { ExplainGuards, ExplainOptions } from './guard-checks.js'
