export { KargoEstate, type KargoEstateArgs } from "./component";
export { kargoDuration, kargoDurationOf } from "./durations";
export { estateNames, kubeName, MAX_NAME_LENGTH, type EstateNames } from "./names";
export {
  ANALYZE_INPUTS,
  buildKargoObjects,
  DISPATCH_POLL_INTERVAL,
  DISPATCH_REQUEST_TIMEOUT,
  DISPATCH_RETRY,
  dispatchBodyOf,
  GIT_CREDENTIALS_SECRET,
  GITHUB_CREDENTIALS_SECRET,
  IMAGE_DISCOVERY_LIMIT,
  KARGO_API_VERSION,
  kustomizationDir,
  planKargo,
  rebuildDispatch,
  TRIGGERED_BY,
  triggerOrigin,
  VERSION_TAG_REGEX,
  type KargoOptions,
  type KargoPlan,
} from "./objects";
export {
  BASE_INTERVAL_FLOOR_SECONDS,
  DEFAULT_BUDGETS,
  IMAGE_INTERVAL_FLOOR_SECONDS,
  KNOWN_LIMITS,
  knownLimit,
  REQUESTS_PER_POLL,
  registryPolling,
  type RegistryPolling,
} from "./polling";
export { gitCredentialsSecret, githubCredentialsSecret, type SecretShape } from "./secrets";
