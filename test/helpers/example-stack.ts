// The config a mock run of the example estate needs as stack `stack`: images.yaml, a test
// token (a secret) and the cluster context every stack must name. `extra` adds or overrides keys.
export function exampleStackConfig(stack: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    "image-factory:images": "examples/estate/images.yaml",
    "image-factory:githubToken": "token-value-for-tests",
    "image-factory:kubernetes": JSON.stringify({ context: stack }),
    ...extra,
  };
}
