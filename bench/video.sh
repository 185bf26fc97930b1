#!/usr/bin/env bash
# LiveKit server CPU per forwarded stream: one publisher, growing subscriber
# counts. Starts its own livekit-server on loopback in a temporary directory,
# runs tools/lk-load (our small load generator on LiveKit's Go SDK) once per
# subscriber count and samples the CPU of both processes from /proc over the
# steady middle of each run. See bench/video.md.
#
#   bench/video.sh                     # 0 1 2 5 10 20 (and 40 if the machine copes)
#   VIDEO_BENCH_COUNTS="0 5 10" VIDEO_BENCH_SECONDS=15 bench/video.sh
#   VIDEO_BENCH_KBPS=1500 VIDEO_BENCH_AUDIO=1 bench/video.sh
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"

COUNTS=${VIDEO_BENCH_COUNTS:-"0 1 2 5 10 20 40"}
SECONDS_PER_RUN=${VIDEO_BENCH_SECONDS:-18} # measured by lk-load, after every subscriber has video
KBPS=${VIDEO_BENCH_KBPS:-1000}
AUDIO=${VIDEO_BENCH_AUDIO:-0}
# 40 (or any count above 20) only if, at the previous count, server + load
# generator used less than this share of the machine (% of one core).
COPE_LIMIT=${VIDEO_BENCH_COPE_PCT:-$(( $(nproc) * 70 ))}
LIVEKIT_VERSION=${LIVEKIT_VERSION:-v1.13.5}

# LiveKit's published figure (docs.livekit.io/home/self-hosting/benchmark,
# "Video room" / "Livestreaming"): 1 publisher, 3000 subscribers, 720p simulcast,
# on a c2-standard-16 (16 vCPU) at 92 % CPU, 531 MBps and 560,962 packets/s out.
REF_SUBS=3000 REF_VCPU=16 REF_CPU=0.92 REF_PPS_OUT=560962 REF_BYTES_OUT=531000000

ensure_livekit
ensure_go_build caucus-lk-load "$ROOT/tools/lk-load"
LK_LOAD="$HOME/go/bin/caucus-lk-load"
CLK_TCK=$(getconf CLK_TCK)

free_udp_port() {
  python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/caucus-video-bench.XXXXXX")
server_pid="" load_pid=""
cleanup() {
  local p
  for p in "$load_pid" "$server_pid"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
  done
  rm -rf "$tmp"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(free_port); tcp_port=$(free_port); udp_port=$(free_udp_port)
secret=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
cat >"$tmp/livekit.yaml" <<EOF
port: $port
bind_addresses: [127.0.0.1]
rtc:
  tcp_port: $tcp_port
  udp_port: $udp_port
  node_ip: 127.0.0.1
  use_external_ip: false
  enable_loopback_candidate: true
  interfaces: { includes: [lo] }
keys: { bench: $secret }
logging: { level: warn }
EOF

say "starting livekit-server $LIVEKIT_VERSION on 127.0.0.1:$port (rtc tcp $tcp_port, udp $udp_port)"
(cd "$tmp" && exec "$HOME/go/bin/livekit-server" --config "$tmp/livekit.yaml" >"$tmp/server.log" 2>&1) &
server_pid=$!
wait_for_port "$port" 30 || { cat "$tmp/server.log" >&2; die "livekit-server did not start"; }

cpu_ticks() { # pid -> utime+stime (clock ticks); the command name may hold spaces, so cut after ')'
  local s; s=$(<"/proc/$1/stat"); s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  echo $(( ${12} + ${13} ))
}
now_ns() { date +%s%N; }

results="$tmp/results.tsv"
: >"$results"
prev_total=0
for n in $COUNTS; do
  if [ "$n" -gt 20 ] && [ "$prev_total" -ge "$COPE_LIMIT" ]; then
    say "skipping $n subscribers: at the previous count server + load generator used ${prev_total}% (limit ${COPE_LIMIT}%)"
    continue
  fi
  say "$n subscriber(s), ${SECONDS_PER_RUN}s"
  args=(-url "ws://127.0.0.1:$port" -api-key bench -api-secret "$secret" -room "bench-$n"
        -subscribers "$n" -duration "${SECONDS_PER_RUN}s" -video-kbps "$KBPS")
  [ "$AUDIO" = 1 ] && args+=(-audio)
  : >"$tmp/run-$n.log" # exists before the background job opens it
  "$LK_LOAD" "${args[@]}" >"$tmp/run-$n.json" 2>"$tmp/run-$n.log" &
  load_pid=$!
  tries=600 # wait up to 60 s for every subscriber to have video
  until grep -q '^lk-load: steady' "$tmp/run-$n.log"; do
    kill -0 "$load_pid" 2>/dev/null || break
    tries=$((tries - 1)); [ "$tries" -gt 0 ] || break
    sleep 0.1
  done
  if ! grep -q '^lk-load: steady' "$tmp/run-$n.log"; then
    cat "$tmp/run-$n.log" >&2
    die "lk-load did not reach a steady state with $n subscribers"
  fi
  # Sample the steady middle: skip the first 2 s and the last 2 s of the window.
  sleep 2
  s0=$(cpu_ticks "$server_pid"); l0=$(cpu_ticks "$load_pid"); t0=$(now_ns)
  sleep $(( SECONDS_PER_RUN - 4 ))
  s1=$(cpu_ticks "$server_pid"); l1=$(cpu_ticks "$load_pid"); t1=$(now_ns)
  rc=0; wait "$load_pid" || rc=$?; load_pid=""
  if [ "$rc" -ne 0 ]; then
    cat "$tmp/run-$n.log" >&2
    die "lk-load failed with $n subscribers (exit $rc)"
  fi
  json=$(tail -1 "$tmp/run-$n.json")
  printf '%s\t%s\t%s\t%s\n' "$n" $(( s1 - s0 )) $(( l1 - l0 )) $(( t1 - t0 )) >>"$results"
  printf '%s\n' "$json" >>"$tmp/results.jsonl"
  prev_total=$(awk -v s=$((s1 - s0)) -v l=$((l1 - l0)) -v t=$((t1 - t0)) -v hz="$CLK_TCK" \
    'BEGIN { printf "%d", (s + l) / hz / (t / 1e9) * 100 }')
  sleep 1 # let the server close the room before the next count
done

say "results ($(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), ${KBPS} kbit/s VP8 at 30 fps$([ "$AUDIO" = 1 ] && echo ' + Opus'), livekit-server $LIVEKIT_VERSION)"
python3 - "$results" "$tmp/results.jsonl" "$CLK_TCK" "$REF_SUBS" "$REF_VCPU" "$REF_CPU" "$REF_PPS_OUT" "$REF_BYTES_OUT" <<'EOF'
import json, sys
res_path, jsonl, hz = sys.argv[1], sys.argv[2], float(sys.argv[3])
ref_subs, ref_vcpu, ref_cpu, ref_pps, ref_bytes = map(float, sys.argv[4:9])
rows = []
for line, js in zip(open(res_path), open(jsonl)):
    n, s, l, t = line.split()
    secs = int(t) / 1e9
    j = json.loads(js)
    rows.append(dict(n=int(n), server=int(s) / hz / secs * 100, load=int(l) / hz / secs * 100, j=j))
base = next((r["server"] for r in rows if r["n"] == 0), None)
hdr = ("subs", "streams", "server CPU %", "% per stream", "load-gen CPU %", "recv kbps/sub min/med",
       "pub kbps", "lost pkts", "streams/vCPU", "marginal streams/vCPU", "fwd pkt/s/vCPU")
print("| " + " | ".join(hdr) + " |")
print("|" + "|".join("---:" for _ in hdr) + "|")
best = None
for r in rows:
    j, streams = r["j"], r["j"]["forwarded_streams"]
    cores = r["server"] / 100
    per = (r["server"] - base) / streams if streams and base is not None else None
    spv = streams / cores if streams and cores > 0 else None
    marg = 100 / per if per and per > 0 else None
    pps = j["packets_received"] / j["seconds"] / cores if streams and cores > 0 else None
    f = lambda v, fmt: "-" if v is None else fmt % v
    print("| " + " | ".join([
        str(r["n"]), str(streams), "%.1f" % r["server"], f(per, "%.2f"), "%.1f" % r["load"],
        "-" if not streams else "%.0f / %.0f" % (j["recv_video_kbps_min"], j["recv_video_kbps_median"]),
        "%.0f" % j["published_video_kbps"], str(j["packets_lost"]),
        f(spv, "%.0f"), f(marg, "%.0f"), f(pps, "%.0f")]) + " |")
    if streams:
        best = dict(n=r["n"], spv=spv, marg=marg, pps=pps, kbps=j["recv_video_kbps_median"])
ref_cores = ref_vcpu * ref_cpu
ref_spv, ref_ppsv = ref_subs / ref_cores, ref_pps / ref_cores
ref_kbps = ref_bytes * 8 / 1000 / ref_subs
print()
print("LiveKit's published benchmark (docs.livekit.io/home/self-hosting/benchmark, 'Video room' / 'Livestreaming'):"
      " 1 publisher, %d subscribers on a c2-standard-16 at %d%% CPU, %.0f MBps / %d pkt/s out"
      " = %.0f forwarded video streams per vCPU (%.0f pkt/s per vCPU, ~%.0f kbit/s per stream)."
      % (ref_subs, ref_cpu * 100, ref_bytes / 1e6, ref_pps, ref_spv, ref_ppsv, ref_kbps))
if best:
    ok = lambda v: "MEETS" if v is not None and v >= ref_spv else "BELOW"
    print("Here, at %d subscribers (~%.0f kbit/s per stream): %.0f streams per vCPU used (%s), marginal %s streams per vCPU"
          " above the publisher-only baseline (%s), %.0f pkt/s per vCPU (LiveKit: %.0f)."
          % (best["n"], best["kbps"], best["spv"], ok(best["spv"]),
             "-" if best["marg"] is None else "%.0f" % best["marg"], ok(best["marg"]), best["pps"], ref_ppsv))
    print("Note: the load generator shares the %s cores with the server (its CPU is the load-gen column);"
          " LiveKit ran theirs on separate machines." % __import__("os").cpu_count())
EOF
