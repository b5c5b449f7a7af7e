#!/usr/bin/env bash
# Mutation test of check.mjs: each line below breaks one thing in a scratch copy of the repository
# and expects the named check to FAIL (and the checker to exit non-zero). A mutation that passes
# means a check that cannot fail. The working tree is never touched.
#
#   tests/manifests/mutation-test.sh        (after `npm ci` in tests/manifests)
#
# fixtures/functions.metadata.json stands for the app's build output in the shape the Worker SDK
# writes it (four functions, their triggers and settings), so the cross-checks run before the
# Functions code exists; the real build output replaces it in ./setup.sh check.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
[ -d "$HERE/node_modules" ] || { echo "run npm ci in tests/manifests first" >&2; exit 1; }

# file | perl substitution | the check that must fail [| the checker, default check.mjs]
# The dockerfile-replay.mjs mutations are ones it rejects before the CLI's publish (the slowest step).
MUTATIONS=$(cat <<'EOF'
keda/scaledobject.yaml|s/topic: flight_raw_data/topic: flight_raw_dat/|Kafka names agree
argocd/flights/settings.env|s/Kafka__ConsumerGroup=flights-processor/Kafka__ConsumerGroup=flights-proc/|Kafka names agree
argocd/kafka/kafka.yaml|s/name: flights\n/name: flight\n/|Kafka names agree
argocd/kafka/topics.yaml|s/partitions: 6/partitions: 4/|partitions >= ScaledObject maxReplicaCount
argocd/kafka/topics.yaml|s/topicName: flight_raw_data.dlq/topicName: flight_raw_data_dlq/|Kafka names agree
argocd/flights/processor.yaml|s/value: ProcessStates/value: ProcessState/|functions.metadata
argocd/flights/timers.yaml|s/replicas: 1/replicas: 2/|functions.metadata
argocd/flights/timers.yaml|s/path: \/api\/health/path: \/api\/healthz/|functions.metadata
argocd/flights/timers.yaml|s/ +- name: AzureFunctionsWebHost__hostid\n +value: flights-timers\n//|functions.metadata
argocd/flights/processor.yaml|s/name: ConnectionStrings__Flights/name: ConnectionStrings__Flight/|env vars set on the app's containers
argocd/flights/settings.env|s/^OpenSky__Schedule=/OpenSky__Scheduel=/m|env vars set on the app's containers
argocd/flights/dashboard.yaml|s/key: connection-string/key: connection_string/|every Secret key referenced
argocd/image-updater/imageupdater.yaml|s/method: git:secret:argocd\/git-creds/method: git:secret:argocd\/git-credentials/|every Secret key referenced
.github/workflows/ci.yml|s/CLI_IMAGE: ghcr.io\/flights-team\/flights-cli/CLI_IMAGE: ghcr.io\/flights-team\/flights-dash/|image names agree
argocd/image-updater/imageupdater.yaml|s/imageName: ghcr.io\/flights-team\/flights-functions/imageName: ghcr.io\/flight-team\/flights-functions/|image names agree
argocd/image-updater/imageupdater.yaml|s/\{7\}/{8}/|image names agree
.github/workflows/ci.yml|s/target: cli/target: dashboard/|image names agree
argocd/apps/flights.yaml|s/sync-wave: "2"/sync-wave: "0"/|sync waves in dependency order
argocd/kustomization.yaml|s/  - apps\/kafka-ui.yaml\n//|Argo CD apps
argocd/kafka/topics.yaml|s/kafka.strimzi.io\/v1/kafka.strimzi.io\/v1beta2/|Strimzi resources
argocd/kafka/kafka.yaml|s/  entityOperator:\n    topicOperator: \{\}\n//|Strimzi resources
argocd/image-updater/imageupdater.yaml|s/spec:\n/spec:\n  namespace: argocd\n/|ImageUpdater resource
argocd/flights/timers.yaml|s/replicas: 1/replicas: "1"/|Kubernetes schemas
keda/scaledobject.yaml|s/lagThreshold: "500000"/lagThreshold: 500000/|Kubernetes schemas
argocd/postgres/postgres.yaml|s/kind: StatefulSet/kind: StatefulSett/|Kubernetes schemas
argocd/azurite/kustomization.yaml|s/create-containers.mjs/create-container.mjs/|kustomize references
argocd/flights/kustomization.yaml|s/  - dashboard.yaml\n/  - dashboard.yaml\n  - timers.yaml\n/|kubectl kustomize renders
keda/scaledobject.yaml|s/  triggers:/ triggers:/|YAML parses
.github/workflows/ci.yml|s/github.ref == 'refs\/heads\/main' \}\}\n/github.reff == 'refs\/heads\/main' }}\n/|actionlint
.github/workflows/ci.yml|s/runs-on: ubuntu-24.04/runs-on: ubuntu-24.04\n    timeout-minute: 5/|actionlint
setup.sh|s/say "Secret \$ns\/\$name: \$\{\*%%=\*\}"/say Secret \$ns\/\$name: \$*/|shellcheck
setup.sh|s/require_tools docker k3d kubectl helm/require_tools kubectl helm/|setup.sh up without docker
.devcontainer/devcontainer.json|s/"name": "flights",/"name": "flights",,/|devcontainer.json parses
setup.sh|s/REGISTRY_NAME="\$CLUSTER-registry.localhost"/REGISTRY_NAME="k3d-\$CLUSTER-registry.localhost"/|setup.sh up twice
setup.sh|s/ --image "\$K3S_IMAGE"//|setup.sh up twice
setup.sh|s/k3d registry delete "\$REGISTRY"/true/|setup.sh up twice
setup.sh|s/if ! k3d registry list "\$REGISTRY" >\/dev\/null 2>&1; then/if true; then/|setup.sh up twice
Dockerfile|s/COPY --from=project-files \/src\/ .\/\n//|Dockerfile stage build|dockerfile-replay.mjs
Dockerfile|s/ ! -name '\*.csproj'//|Dockerfile stage build|dockerfile-replay.mjs
Dockerfile|s/nodejs npm/nodejs/|Dockerfile stage publish-cli|dockerfile-replay.mjs
EOF
)

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
survived=0 total=0
while IFS='|' read -r file expr expect checker; do
  [ -n "$file" ] || continue
  total=$((total + 1))
  rm -rf "$scratch/repo"; mkdir -p "$scratch/repo"
  tar -C "$ROOT" --exclude=node_modules --exclude=bin --exclude=obj --exclude=.git --exclude=.local --exclude=artifacts -cf - . | tar -C "$scratch/repo" -xf -
  ln -s "$HERE/node_modules" "$scratch/repo/tests/manifests/node_modules"
  before="$(cksum < "$scratch/repo/$file")"
  perl -0pi -e "$expr" "$scratch/repo/$file"
  if [ "$before" = "$(cksum < "$scratch/repo/$file")" ]; then
    echo "FAIL mutation did not apply: $file $expr"; survived=$((survived + 1)); continue
  fi
  status=0
  out="$(FLIGHTS_KAFKA_STANDIN=true FLIGHTS_FUNCTIONS_METADATA="$HERE/fixtures/functions.metadata.json" node "$scratch/repo/tests/manifests/${checker:-check.mjs}" 2>&1)" || status=$?
  if [ "$status" -ne 0 ] && grep -F "FAIL" <<<"$out" | grep -qF "$expect"; then
    echo "ok   killed: $file $expr -> $(grep -F "FAIL" <<<"$out" | grep -F "$expect" | head -1 | cut -c1-160)"
  else
    echo "FAIL survived: $file $expr (expected \"$expect\" to fail; exit $status)"
    grep -F "FAIL" <<<"$out" | sed 's/^/       /' | cut -c1-200 || true
    survived=$((survived + 1))
  fi
done <<<"$MUTATIONS"
echo "mutations: $((total - survived)) killed, $survived survived"
[ "$survived" -eq 0 ]
