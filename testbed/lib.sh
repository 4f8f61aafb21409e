# Shared by testbed/up, down and status. Everything the testbed starts is recorded under $run.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${AFTERSHOCK_CACHE:-$HOME/.cache/aftershock}/testbed
run=${AFTERSHOCK_TESTBED_DIR:-$cache/run}
cluster=${AFTERSHOCK_TESTBED_NAME:-aftershock}
apiserver_port=${AFTERSHOCK_TESTBED_APISERVER_PORT:-36443}
kwok_nodes=${AFTERSHOCK_TESTBED_KWOK_NODES:-3}
autoscaled_cpu_limit=${AFTERSHOCK_TESTBED_AUTOSCALED_CPU:-16}
consolidate_after=${AFTERSHOCK_TESTBED_CONSOLIDATE_AFTER:-15s}
karpenter_port=${AFTERSHOCK_TESTBED_KARPENTER_PORT:-38080}
vpa_port=${AFTERSHOCK_TESTBED_VPA_PORT:-38942}
kube_bin=$cache/kube-$KUBE_VERSION/bin
kwok_bin=$cache/kwok-$KWOK_VERSION/bin
ms_bin=$cache/metrics-server-$METRICS_SERVER_VERSION/bin
karpenter_bin=$cache/karpenter-$KARPENTER_VERSION/bin
vpa_bin=$cache/vpa-$VPA_VERSION/bin
kubeconfig=$run/kubeconfig
export KWOK_WORKDIR=$run/kwok
# The processes the testbed starts itself besides those kwokctl starts and tracks.
extra_components=(karpenter vpa-recommender)

log() { printf '[testbed] %s\n' "$*" >&2; }
kubectl() { "$kube_bin/kubectl" --kubeconfig "$kubeconfig" "$@"; }
kwokctl() { "$kwok_bin/kwokctl" --name "$cluster" "$@"; }

apiserver_ready() {
  [ -f "$kubeconfig" ] && kubectl --request-timeout=10s get --raw /readyz >/dev/null 2>&1
}

# Whether process $1 is one the testbed started: alive, and its command line names the testbed's
# cache or run directory. A recorded pid alone is not enough: on a machine that booted since (or a
# copy of one), the number may belong to an unrelated process that must be neither reused nor killed.
ours() {
  local pid=$1 cmdline
  kill -0 "$pid" 2>/dev/null || return 1
  cmdline=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) || return 1
  case "$cmdline" in *"$cache"* | *"$run"*) return 0 ;; *) return 1 ;; esac
}

pid_alive() {
  local f=$run/pids/$1.pid
  [ -f "$f" ] && ours "$(cat "$f")"
}
# Images for the real nodes, built locally and imported into each node's containerd (no registry).
images_dir=$cache/images
PAUSE_IMAGE=aftershock.local/pause:3.10

# Waits up to $2 seconds for the command after it to succeed.
wait_for() {
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then log "timed out after ${seconds}s waiting for $what"; return 1; fi
    sleep 1
  done
}

# What a failed testbed/up leaves to go on: the machine's room, the nodes and the metrics API as the
# cluster sees them, and the last lines each component logged. Printed to stderr, so that a CI log
# that keeps only the end of the output still says why the testbed did not come up.
diagnose() {
  # Best effort: nothing here may stop the diagnosis or change the exit code it reports.
  set +e +o pipefail
  log "diagnosis follows (testbed/up failed)"
  { df -h "$cache" /var/lib 2>/dev/null; free -m; } | sed 's/^/[testbed]   /' >&2 || true
  local f
  for f in "$KWOK_WORKDIR/clusters/$cluster"/logs/*.log "$run"/logs/*.log; do
    [ -f "$f" ] || continue
    log "last lines of $f:"
    tail -n 6 "$f" | cut -c1-400 | sed 's/^/[testbed]   /' >&2
  done
  if apiserver_ready; then
    kubectl --request-timeout=10s get nodes -o wide 2>&1 | sed 's/^/[testbed]   /' >&2 || true
    kubectl --request-timeout=10s get nodes -o jsonpath='{range .items[?(@.metadata.labels.type=="real")]}{.metadata.name}: {range .status.conditions[*]}{.type}={.status} ({.message}); {end}{"\n"}{end}' 2>&1 |
      sed 's/^/[testbed]   /' >&2 || true
    kubectl --request-timeout=10s get apiservice v1beta1.metrics.k8s.io -o jsonpath='{range .status.conditions[*]}metrics API {.type}={.status}: {.message}{"\n"}{end}' 2>&1 |
      sed 's/^/[testbed]   /' >&2 || true
  else
    log "the API server does not answer at $apiserver_port"
  fi
}
