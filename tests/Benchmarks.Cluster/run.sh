#!/usr/bin/env bash
# Cross-node broadcast benchmark: a two-node cluster on one Redis, receivers on node A, a publisher on node B, every
# broadcast crossing Redis; ours (samples/Cluster.Server, SIO_ADAPTER=redis or redis-streams) against Node's
# (tests/SocketIO.Typed.Interop.Tests/node/cluster-node.mjs: socket.io 4.8.4 + the official adapter), alternately.
# The broker and both nodes share CPU 0, the driver runs on CPU 1.
#
#   tests/Benchmarks.Cluster/run.sh [rounds] [adapter] [driver options...]
#   tests/Benchmarks.Cluster/run.sh 3 redis --clients 200 --seconds 10 --warmup 5 --payload 100 --window 8
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}; ADAPTER=${2:-redis}; shift 2 || true
dotnet build -c Release samples/Cluster.Server -v q -nologo >/dev/null
dotnet build -c Release tests/Benchmarks.Cluster -v q -nologo >/dev/null
SAMPLE=samples/Cluster.Server/bin/Release/net10.0/Cluster.Server.dll
# The sample turns connection state recovery on with the streams adapter; so does its twin then.
RECOVERY=""; [ "$ADAPTER" = redis-streams ] && RECOVERY="--recovery"
DRIVER=tests/Benchmarks.Cluster/bin/Release/net10.0/Benchmarks.Cluster.dll
NODE_DIR=tests/SocketIO.Typed.Interop.Tests/node

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 300); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }

one() { # kind
  local kind=$1 rp ap bp pa pb pr
  rp=$(free_port); ap=$(free_port); bp=$(free_port)
  taskset -c 0 redis-server --port "$rp" --bind 127.0.0.1 --save '' --appendonly no >/dev/null & pr=$!
  wait_port "$rp"
  if [ "$kind" = ours ]; then
    PORT=$ap SIO_ADAPTER=$ADAPTER SIO_ADAPTER_CONNECTION=redis://127.0.0.1:$rp taskset -c 0 dotnet "$SAMPLE" >/dev/null & pa=$!
    PORT=$bp SIO_ADAPTER=$ADAPTER SIO_ADAPTER_CONNECTION=redis://127.0.0.1:$rp taskset -c 0 dotnet "$SAMPLE" >/dev/null & pb=$!
  else
    (cd "$NODE_DIR" && exec taskset -c 0 node cluster-node.mjs --port "$ap" --adapter "$ADAPTER" --connection "redis://127.0.0.1:$rp" $RECOVERY >/dev/null < <(sleep 987654)) & pa=$!
    (cd "$NODE_DIR" && exec taskset -c 0 node cluster-node.mjs --port "$bp" --adapter "$ADAPTER" --connection "redis://127.0.0.1:$rp" $RECOVERY >/dev/null < <(sleep 987654)) & pb=$!
  fi
  wait_port "$ap"; wait_port "$bp"; sleep 1
  taskset -c 1 dotnet "$DRIVER" --a "http://127.0.0.1:$ap" --b "http://127.0.0.1:$bp" --pids "$pa,$pb" --label "$kind-$ADAPTER" "$@" || true
  kill "$pa" "$pb" 2>/dev/null || true; wait "$pa" "$pb" 2>/dev/null || true
  kill "$pr" 2>/dev/null || true; wait "$pr" 2>/dev/null || true
  pkill -f "sleep 987654" 2>/dev/null || true
}

for _ in $(seq 1 "$ROUNDS"); do
  one node "$@"
  one ours "$@"
done
