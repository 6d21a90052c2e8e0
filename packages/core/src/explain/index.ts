export { explainToken, type ExplainDeps } from './explain.js'
export type { CheckName, ClaimsSummary, ExplainCheck, ExplainReport } from './report.js'
