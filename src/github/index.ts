/** The GitHub estate: generated build workflows, repo settings, providers. */
export { ACTIONS, RUNNER } from "./actions";
export { GithubEstate, type GithubEstateArgs } from "./component";
export { ownWorkflowContract } from "./docs";
export { fileKey, GENERATED_WORKFLOW_PATH, planGithubEstate, type GithubEstatePlan, type GithubSettings } from "./estate";
export { createGithubProvider, createGithubProviders, githubOwners, githubRepos, providerFor, type GithubProviders } from "./provider";
export { parseRepo } from "./repos";
export {
  buildRepoWorkflow,
  dispatchTarget,
  type DispatchTarget,
  GENERATED_WORKFLOW_INPUTS,
  generatedWorkflowGroups,
  GITHUB_REGISTRY,
  pushPaths,
  registrySecretNames,
  renderRepoWorkflow,
  workflowDispatchInputs,
  workflowPath,
} from "./workflow";
export type { Workflow } from "./workflow-schema";
