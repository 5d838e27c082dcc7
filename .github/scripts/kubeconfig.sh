#!/usr/bin/env bash
# Writes the cluster credentials of a GitHub environment for the Kubernetes provider.
#   KUBECONFIG_DATA  the environment's secret KUBECONFIG: a kubeconfig that has the context
#                    the stack names (image-factory:kubernetes.context)
#   STACK            the stack, for messages
# Without the secret nothing is written: the stack must then hold its kubeconfig itself
# (image-factory:kubeconfig, e.g. from its Pulumi ESC environment), or an earlier step (a
# cloud OIDC login) must have written one and exported KUBECONFIG.
set -euo pipefail
if [ -z "${KUBECONFIG_DATA:-}" ]; then
  echo "::notice::no KUBECONFIG secret for stack $STACK: using the stack's image-factory:kubeconfig or an earlier login step's KUBECONFIG"
  exit 0
fi
file="${RUNNER_TEMP:?}/kubeconfig-$STACK"
umask 077
printf '%s\n' "$KUBECONFIG_DATA" > "$file"
echo "KUBECONFIG=$file" >> "${GITHUB_ENV:?}"
