#!/usr/bin/env bash
# lab.sh: the lab network and its scenarios, as a library for lab/run and
# the lab test. Sourced, not run.
#
# The network (every namespace is named cordon-lab-*):
#   cordon-lab-sw    the access switch: bridges br10 and br20 (production
#                    VLANs) and br999 (quarantine), a private snmpd and
#                    Cordon's AgentX subagent (lab/switch/labswitch.sh), and a
#                    mirror port: every access port's ingress is copied with
#                    tc u32 + mirred to span0, whose peer is in the NOC.
#   cordon-lab-noc   the NOC: cordond (SNMP to the switch's management
#                    address, netlink into the router namespace) and
#                    cordon-sensor on the mirror.
#   cordon-lab-hNN   hosts on access ports: h01..h30 in VLAN 10
#                    (10.10.0.11..40), h31..h36 in VLAN 20 (10.20.0.11..16).
#   cordon-lab-rem   the remediation server in VLAN 999 (10.10.0.250,
#                    10.20.0.250): an isolated host can still reach it.
#   cordon-lab-rt    a router for the netlink scenarios: segments 10.30.1.0/24
#                    (cordon-lab-ra1, -ra2), 10.30.2.0/24 (cordon-lab-rb1) and
#                    the remediation segment 10.30.9.0/24 (cordon-lab-rr),
#                    with its own cordon-sensor on the segment A interface.
#
# Traffic stays inside these namespaces: every address is in 10.10/16,
# 10.20/16, 10.30/16 or the switches' management 10.200/16, none of which is
# routed anywhere else.

LAB_PREFIX=cordon-lab
LAB_SW=$LAB_PREFIX-sw
LAB_NOC=$LAB_PREFIX-noc
LAB_REM=$LAB_PREFIX-rem
LAB_RT=$LAB_PREFIX-rt
LAB_HOSTS_V10=30
LAB_HOSTS_V20=6
LAB_QVLAN=999
LAB_GW_MAC=02:00:00:00:00:fe     # replayed frames go to this (absent) MAC: flooded like unknown unicast

lab_log() { printf '%s lab: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
lab_die() { lab_log "error: $*"; return 1; }

# lab_host_name N -> cordon-lab-hNN ; lab_host_ip N -> its address ; lab_host_vlan N
lab_host_name() { printf '%s-h%02d' "$LAB_PREFIX" "$1"; }
lab_host_vlan() { if (($1 <= LAB_HOSTS_V10)); then echo 10; else echo 20; fi; }
lab_host_ip() {
  if (($1 <= LAB_HOSTS_V10)); then echo "10.10.0.$((10 + $1))"; else echo "10.20.0.$((10 + $1 - LAB_HOSTS_V10))"; fi
}
lab_host_count() { echo $((LAB_HOSTS_V10 + LAB_HOSTS_V20)); }
# lab_host_index NAME|hNN|IP -> N
lab_host_index() {
  local x=$1 n
  case "$x" in
    h[0-9]*) echo $((10#${x#h})) ;;
    "$LAB_PREFIX"-h*) echo $((10#${x#"$LAB_PREFIX"-h})) ;;
    10.10.0.*) echo $((${x##*.} - 10)) ;;
    10.20.0.*) echo $((${x##*.} - 10 + LAB_HOSTS_V10)) ;;
    *) for ((n = 1; n <= $(lab_host_count); n++)); do [[ "$(lab_host_ip $n)" == "$x" ]] && { echo $n; return; }; done; return 1 ;;
  esac
}

# lab_stale_cleanup: removes every cordon-lab-* namespace and its processes
# (a previous run that was killed leaves them behind).
lab_stale_cleanup() {
  local ns pids
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB_PREFIX-"); do
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [[ -n "$pids" ]] && kill -KILL $pids 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB_PREFIX-"); do
    lab_log "warning: namespace $ns survives (processes still in it)"
  done
  return 0
}

# lab_build: the whole network. Needs LAB_BIN (the build directory) and LAB_OUT.
lab_build() {
  local n host vlan sw_mac
  LSW_STATE=$LAB_OUT/switch
  rm -rf "$LSW_STATE"
  # shellcheck source=switch/labswitch.sh
  source "$LAB_SRC/lab/switch/labswitch.sh"
  lsw_init "$LAB_BIN/cordon-labswitch-agent" || return 1
  lsw_noc_create "$LAB_NOC" || return 1
  lsw_switch_create "$LAB_SW" "$LAB_NOC" 1 "10,20,$LAB_QVLAN" || return 1
  for ((n = 1; n <= $(lab_host_count); n++)); do
    host=$(lab_host_name $n)
    vlan=$(lab_host_vlan $n)
    lsw_port_add "$LAB_SW" "$n" "$vlan" "$host" "$(lab_host_ip $n)/24" || return 1
    ip -n "$host" link set lo up
    # Replayed frames must leave at full size: no segmentation offload.
    ip netns exec "$host" ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1
  done
  lsw_port_add "$LAB_SW" 99 "$LAB_QVLAN" "$LAB_REM" 10.10.0.250/24 || return 1
  ip -n "$LAB_REM" addr add 10.20.0.250/24 dev eth0
  ip -n "$LAB_REM" link set lo up
  lab_span_build || return 1
  lsw_switch_start "$LAB_SW" standard || return 1
  lab_router_build || return 1
}

# The mirror: ingress of every access port copied to span0 -> NOC's span1.
lab_span_build() {
  local port
  ip -n "$LAB_SW" link add span0 type veth peer name span1 netns "$LAB_NOC" || return 1
  ip -n "$LAB_SW" link set span0 up
  ip -n "$LAB_NOC" link set span1 up
  ip netns exec "$LAB_NOC" ethtool -K span1 tso off gso off gro off >/dev/null 2>&1
  for port in $(ip -n "$LAB_SW" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep '^swp'); do
    ip netns exec "$LAB_SW" tc qdisc add dev "$port" ingress || return 1
    ip netns exec "$LAB_SW" tc filter add dev "$port" parent ffff: protocol all u32 \
      match u32 0 0 action mirred egress mirror dev span0 || return 1
  done
}

# The router namespace for the netlink scenarios.
lab_router_build() {
  local ns seg
  ip netns add "$LAB_RT" && ip -n "$LAB_RT" link set lo up
  ip netns exec "$LAB_RT" sysctl -qw net.ipv4.ip_forward=1
  for seg in "ra1 10.30.1.11 rta 10.30.1.1" "ra2 10.30.1.12 rta 10.30.1.1" \
             "rb1 10.30.2.11 rtb 10.30.2.1" "rr 10.30.9.11 rtr 10.30.9.1"; do
    set -- $seg
    ns=$LAB_PREFIX-$1
    ip netns add "$ns" && ip -n "$ns" link set lo up
    ip -n "$LAB_RT" link show "$3" >/dev/null 2>&1 ||
      { ip -n "$LAB_RT" link add "$3" type bridge && ip -n "$LAB_RT" addr add "$4/24" dev "$3" && ip -n "$LAB_RT" link set "$3" up; }
    ip -n "$LAB_RT" link add "v$1" type veth peer name eth0 netns "$ns" || return 1
    ip -n "$LAB_RT" link set "v$1" master "$3" up
    ip -n "$ns" addr add "$2/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "$4"
    ip netns exec "$ns" ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1
  done
}

lab_destroy() {
  [[ -n "${LSW_STATE:-}" ]] && declare -F lsw_cleanup >/dev/null && lsw_cleanup
  lab_stale_cleanup
}

# ---- Cordon in the lab -------------------------------------------------------

# lab_cordon_start NAME [policy settings]: a fresh cordond in the NOC with the
# lab switch (SNMP v2c) and the router (netlink) as enforcement points, and a
# sensor on the mirror.
lab_cordon_start() {
  local name=$1 policy=${2:-} dir=$LAB_OUT/run/$1
  rm -rf "$dir"
  mkdir -p "$dir"
  LAB_RUN=$dir
  cat >"$dir/cordon.conf" <<EOF
daemon = { state = "$dir/state.db"; control = "$dir/ctl.sock"; control_ro = "$dir/ro.sock"; http = ""; };
sensors = { listen = [ "unix:$dir/sensor.sock" ]; };
policy = { max_isolations_per_minute = 60; probation = 600; retry_initial = 1; retry_max = 5; $policy };
enforcement = (
  { name = "lab-switch"; kind = "snmp-qbridge"; prefixes = [ "10.10.0.0/24", "10.20.0.0/24" ];
    address = "$(lsw_switch_addr "$LAB_SW")"; community = "$LSW_RW_COMMUNITY"; quarantine_vlan = $LAB_QVLAN;
    timeout_ms = 500; retries = 2; },
  { name = "lab-router"; kind = "netlink"; prefixes = [ "10.30.0.0/16" ]; netns = "$LAB_RT";
    remediation = "10.30.9.0/24"; }
);
EOF
  ip netns exec "$LAB_NOC" "$LAB_BIN/cordond" -d -f "$dir/cordon.conf" >"$dir/cordond.log" 2>&1 &
  LAB_CORDOND=$!
  for _ in $(seq 100); do [[ -S "$dir/ctl.sock" ]] && break; sleep 0.05; done
  [[ -S "$dir/ctl.sock" ]] || { lab_die "cordond did not start (see $dir/cordond.log)"; return 1; }
  ip netns exec "$LAB_NOC" "$LAB_BIN/cordon-sensor" -i span1 -N lab-span -o "unix:$dir/sensor.sock" \
    >"$dir/sensor.out" 2>"$dir/sensor.err" &
  LAB_SENSOR=$!
  ip netns exec "$LAB_RT" "$LAB_BIN/cordon-sensor" -i rta -N lab-router -o "unix:$dir/sensor.sock" \
    >"$dir/sensor-rt.out" 2>"$dir/sensor-rt.err" &
  LAB_SENSOR_RT=$!
  sleep 0.5
}

lab_cordon_stop() {
  local p
  for p in ${LAB_SENSOR:-} ${LAB_SENSOR_RT:-} ${LAB_CORDOND:-}; do
    kill "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  LAB_SENSOR="" LAB_SENSOR_RT="" LAB_CORDOND=""
}

lab_ctl() { "$LAB_BIN/cordonctl" -s "$LAB_RUN/ctl.sock" -r "$LAB_RUN/ro.sock" "$@"; }

# ---- traffic -------------------------------------------------------------------

# lab_rewrite IN OUT SRC_IP LAB_IP LAB_MAC DST_PREFIX [FILTER]: the capture's
# frames from SRC_IP (and, without a filter, the replies to it) rewritten to
# the lab: SRC_IP -> LAB_IP, every other address into DST_PREFIX, source MAC
# of the lab host, destination MAC the absent gateway.
lab_rewrite() {
  local in=$1 out=$2 src=$3 lab=$4 mac=$5 dst=$6 filter=${7:-} tmp=$2.sel.pcap
  if [[ -n "$filter" ]]; then
    tcpdump -r "$in" -w "$tmp" "$filter" 2>/dev/null || return 1
  else
    tcpdump -r "$in" -w "$tmp" "host $src" 2>/dev/null || return 1
  fi
  # Both directions: the capture host becomes the lab host, everyone else
  # lands in DST_PREFIX with the same mapping whichever side they are on.
  tcprewrite --infile="$tmp" --outfile="$out" --srcipmap="$src/32:$lab/32,0.0.0.0/0:$dst" \
    --dstipmap="$src/32:$lab/32,0.0.0.0/0:$dst" --enet-smac="$mac" --enet-dmac="$LAB_GW_MAC" \
    --fixcsum --mtu=1500 --mtu-trunc 2>"$out.err" || { lab_die "tcprewrite: $(cat "$out.err")"; return 1; }
  rm -f "$tmp"
}

# lab_capture_start HOSTNS FILE [FILTER]: tcpdump on a host's eth0.
lab_capture_start() {
  ip netns exec "$1" tcpdump -i eth0 -n -U -w "$2" ${3:+"$3"} >/dev/null 2>&1 &
  echo $!
}

# lab_count_after PCAP EPOCH [FILTER]: packets in PCAP stamped after EPOCH.
lab_count_after() {
  [[ -s "$1" ]] || { echo 0; return; }
  tcpdump -r "$1" -tt -n ${3:+"$3"} 2>/dev/null | awk -v t="$2" '$1 > t {n++} END {print n + 0}'
}

# lab_count_before PCAP EPOCH [FILTER]
lab_count_before() {
  [[ -s "$1" ]] || { echo 0; return; }
  tcpdump -r "$1" -tt -n ${3:+"$3"} 2>/dev/null | awk -v t="$2" '$1 <= t {n++} END {print n + 0}'
}
