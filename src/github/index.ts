/** The GitHub estate: generated build workflows, repo settings, providers. */
export { ACTIONS, RUNNER } from "./actions";
export { GithubEstate, type GithubEstateArgs } from "./component";
export { ownWorkflowContract } from "./docs";
export { planGithubEstate, type GithubEstatePlan, type GithubSettings } from "./estate";
export { createGithubProvider, createGithubProviders, githubOwners, githubRepos, providerFor, type GithubProviders } from "./provider";
export { parseRepo } from "./repos";
export {
  buildWorkflow,
  dispatchTarget,
  type DispatchTarget,
  GITHUB_REGISTRY,
  pushPaths,
  registrySecretNames,
  renderWorkflow,
  workflowDispatchInputs,
  workflowPath,
} from "./workflow";
export type { Workflow } from "./workflow-schema";
