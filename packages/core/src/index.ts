export { createValidator, isValidator } from './validator.js'
export type { Validator, Authenticator, VerifyOptions } from './validator.js'
export type {
  CheckName,
  ClaimsSummary,
  ExplainCheck,
  ExplainGuards,
  ExplainOptions,
  ExplainReport,
} from './explain/index.js'
export type {
  ValidatorOptions,
  JwtOptions,
  IntrospectionOptions,
  ResolverIntrospectionOptions,
  DpopOptions,
} from './options.js'
export type { ClaimPath, IssuerInput, IssuerOptions, ProfileName, ProfileOptions } from './profiles/index.js'
export { PROFILE_NAMES } from './profiles/index.js'
export type {
  IssuerConfig,
  IssuerIntrospection,
  IssuerResolverFunction,
  IssuerResolverOptions,
} from './keys/issuer-resolver-options.js'
export type { AuthContext, DeepReadonly, RouteOptions, Strategy, TokenBinding, TokenClaims } from './types.js'
export type { Jwk } from './jwk.js'
export type { RequestLike, RequestAnswer } from './request.js'
export { adaptGuards, checkErrorMode, checkGuard, prepareRoute, refusal, toValidator } from './adapter-kit.js'
export type { AuthHolder, GuardSet, PreparedRoute, Refusal, Settled, ValidatorInput } from './adapter-kit.js'
export type {
  AdapterRouteOptions,
  Claims,
  ClaimsCheck,
  ErrorMode,
  RequestState,
  TokenguardTypes,
} from './adapter-kit-types.js'
export { fromFetchRequest } from './fetch-request.js'
export {
  TokenError,
  InvalidRequestError,
  InvalidTokenError,
  MissingTokenError,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  UnavailableError,
  InvalidDpopProofError,
  UseDpopNonceError,
  isTokenError,
} from './errors.js'
export type { ErrorCode, RejectReason, ChallengeContext } from './errors.js'
export { formatChallenge } from './challenge.js'
export { toErrorResponse, asTokenError, responseHeaders } from './respond.js'
export type { ErrorResponse } from './respond.js'
export { requireScopes, requireAnyScope, requireClaims, requireRoles, noTokenChallenge } from './guards.js'
export { requireStepUp } from './step-up.js'
export type { StepUpOptions } from './step-up.js'
export { fromNodeRequest } from './node-request.js'
export { protectedResourceMetadata } from './resource-metadata.js'
export type { ResourceMetadataInput } from './resource-metadata.js'
export type { Guard } from './guards.js'
export { parseScopes } from './scopes.js'
export type { TokenEvent, EventListener } from './events.js'
export { MemoryStore, ReplayCapacityError } from './store/memory-store.js'
export { tokenFingerprint } from './denylist/fingerprint.js'
export type { RevokeById, RevokeTarget, RevokeSubjectOptions } from './denylist/revocation.js'
export type { MemoryStoreOptions } from './store/memory-store.js'
export { entryId, mergeEntries } from './store/store.js'
export { ExpiryQueue } from './store/expiry-queue.js'
export type {
  Store,
  CacheTier,
  ReplayGuard,
  DenylistStore,
  DenylistEntry,
  DenylistFeedHandlers,
  DenylistSnapshot,
  FeedPosition,
  StoreStatus,
} from './store/store.js'
export type { DenylistBehaviour } from './options/denylist.js'
export { combineListeners } from './integrations/combine.js'
export { createPrometheusMetrics } from './integrations/prometheus.js'
export type {
  PromClientLike,
  PrometheusMetrics,
  PrometheusMetricsOptions,
} from './integrations/prometheus.js'
export { createTracingListener } from './integrations/opentelemetry.js'
export type { OtelApiLike, TracingListenerOptions } from './integrations/opentelemetry.js'
export { createReadinessCheck } from './integrations/readiness.js'
export type { ReadinessOptions, ReadinessResult } from './integrations/readiness.js'
export { createLogListener } from './integrations/log.js'
export type { LoggerLike, LogListenerOptions } from './integrations/log.js'
export { createSetReceiver, REVOKING_EVENTS } from './set-receiver/index.js'
export type {
  SetReceiver,
  SetReceiverOptions,
  SetRequest,
  SetResponse,
  SetErrorCode,
} from './set-receiver/index.js'
