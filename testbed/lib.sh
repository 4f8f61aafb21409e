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
  [ -f "$kubeconfig" ] && kubectl get --raw /readyz >/dev/null 2>&1
}

pid_alive() {
  local f=$run/pids/$1.pid
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
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
