export { KargoEstate, type KargoEstateArgs } from "./component";
export { estateNames, kubeName, MAX_NAME_LENGTH, type EstateNames } from "./names";
export {
  ANALYZE_INPUTS,
  buildKargoObjects,
  dispatchBodyOf,
  rebuildDispatch,
  triggerOrigin,
  GITHUB_CREDENTIALS_SECRET,
  KARGO_API_VERSION,
  planKargo,
  TRIGGERED_BY,
  type KargoOptions,
  type KargoPlan,
} from "./objects";
export { DEFAULT_BUDGETS, KNOWN_LIMITS, REQUESTS_PER_POLL, registryPolling, type RegistryPolling } from "./polling";
export { gitCredentialsSecret, githubCredentialsSecret } from "./secrets";
