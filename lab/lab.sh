#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
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
#   cordon-lab-hNN   hosts on access ports (host N on port swpN): h01..h30
#                    in VLAN 10 (10.10.0.11..40), h31..h36 in VLAN 20
#                    (10.20.0.11..16), h37..h106 in VLAN 10 again
#                    (10.10.0.41..110): 106 hosts, 100 of them in VLAN 10.
#   cordon-lab-ph35  an IP phone sharing h35's port (10.20.0.60), the port
#                    tagged in the voice VLAN 40.
#   cordon-lab-rem   the remediation server in VLAN 999 on port swp120
#                    (10.10.0.250, 10.20.0.250): an isolated host can still
#                    reach it.
#                    VLAN 10's off-subnet traffic goes to the gateway MAC
#                    LAB_SINK_MAC, which the switch forwards to a port
#                    (sink10) that drops it: a worm scanning beyond the /24
#                    (the fast outbreak) is not flooded to every host.
#   cordon-lab-rt    a router for the netlink scenarios: segments 10.30.1.0/24
#                    (cordon-lab-ra1, -ra2), 10.30.2.0/24 (cordon-lab-rb1) and
#                    the remediation segment 10.30.9.0/24 (cordon-lab-rr),
#                    with its own cordon-sensor on the segment A interface.
#
# Traffic stays inside these namespaces: every address is in 10.10/16,
# 10.20/16, 10.30/16 or the switches' management 10.200/16, none of which is
# routed anywhere else.

# The shell tests' helpers: wait_capture (a capture attached to an interface).
# shellcheck source=../tests/lib.sh
source "$LAB_SRC/tests/lib.sh"

LAB_PREFIX=cordon-lab
LAB_SW=$LAB_PREFIX-sw
LAB_NOC=$LAB_PREFIX-noc
LAB_REM=$LAB_PREFIX-rem
LAB_RT=$LAB_PREFIX-rt
LAB_HOSTS_V10=30       # h01..h30
LAB_HOSTS_V20=6        # h31..h36
LAB_HOSTS_V10B=${LAB_HOSTS_V10B:-70}   # h37..h106, VLAN 10 again (numbered after the others so that
                       # the scenarios' hosts and roles keep their names)
LAB_REM_PORT=120
# Empty access ports in VLAN 10 (the move scenario plugs a host into one):
# veths whose other ends (plugN) wait, down, in the switch namespace.
LAB_SPARE_PORTS="107 108"
# The switch sends cmnMacChangedNotification for every MAC learnt or forgotten
# to the NOC's LAB_NOTIFY_PORT (v2c); a cordond with a follow section receives
# them, otherwise they are dropped at the NOC.
LAB_NOTIFY_PORT=9162
# The routed-sensor scenario makes the switch VLAN 10's router (10.10.0.254)
# towards a core segment (cordon-lab-core) where a sensor sees only the
# router's MAC: lab_routed_up / lab_routed_down.
LAB_CORE=$LAB_PREFIX-core
LAB_ROUTER_IP=10.10.0.254
LAB_CORE_ROUTER_IP=10.40.255.1   # the router's own address on the core segment, with the MAC the core sensor sees
LAB_QVLAN=999
LAB_GW_MAC=02:00:00:00:00:fe     # replayed frames go to this (absent) MAC: flooded like unknown unicast
LAB_SINK_MAC=02:00:00:00:00:fd   # VLAN 10's gateway for off-subnet targets: dropped by the switch
LAB_SINK_GW=10.10.0.1
# An IP phone shares h35's access port (VLAN 20), the port tagged in the
# voice VLAN: a port of two MACs (the shared-port scenario).
LAB_VOICE_VLAN=40
LAB_PHONE_PORT=35
LAB_PHONE=$LAB_PREFIX-ph35
LAB_PHONE_IP=10.20.0.60

lab_log() { printf '%s lab: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
lab_die() { lab_log "error: $*"; return 1; }

# lab_host_name N -> cordon-lab-hNN ; lab_host_ip N -> its address ; lab_host_vlan N
lab_host_name() { printf '%s-h%02d' "$LAB_PREFIX" "$1"; }
lab_host_vlan() { if (($1 <= LAB_HOSTS_V10 || $1 > LAB_HOSTS_V10 + LAB_HOSTS_V20)); then echo 10; else echo 20; fi; }
lab_host_ip() {
  if (($1 <= LAB_HOSTS_V10)); then echo "10.10.0.$((10 + $1))"
  elif (($1 <= LAB_HOSTS_V10 + LAB_HOSTS_V20)); then echo "10.20.0.$((10 + $1 - LAB_HOSTS_V10))"
  else echo "10.10.0.$((10 + $1 - LAB_HOSTS_V20))"; fi
}
lab_host_count() { echo $((LAB_HOSTS_V10 + LAB_HOSTS_V20 + LAB_HOSTS_V10B)); }
# lab_vlan_hosts VLAN: the numbers of that VLAN's hosts, in address order
lab_vlan_hosts() {
  local n
  for ((n = 1; n <= $(lab_host_count); n++)); do [[ "$(lab_host_vlan $n)" == "$1" ]] && echo $n; done
}
# lab_host_index NAME|hNN|IP -> N
lab_host_index() {
  local x=$1 n
  case "$x" in
    h[0-9]*) echo $((10#${x#h})) ;;
    "$LAB_PREFIX"-h*) echo $((10#${x#"$LAB_PREFIX"-h})) ;;
    10.10.0.*) if ((${x##*.} <= 10 + LAB_HOSTS_V10)); then echo $((${x##*.} - 10)); else echo $((${x##*.} - 10 + LAB_HOSTS_V20)); fi ;;
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

# The kernel's neighbour (ARP/NDP) tables are shared by every namespace, and
# their limits are set for one host: gc_thresh3 = 1024 entries in all. 106
# hosts that each know their VLAN's hundred neighbours fill that, and then
# the kernel refuses new entries ("neighbor table overflow"): sends fail and
# a worm's probes are dropped before they leave. The lab raises the limits
# while it runs and puts back what was there (lab_neigh_limits_restore, also
# after a killed run: the saved values stay in LAB_NEIGH_SAVED until then).
LAB_NEIGH_SAVED=/run/lock/cordon-lab-neigh-limits
LAB_NEIGH_LIMITS="gc_thresh1=1024 gc_thresh2=16384 gc_thresh3=32768"
lab_neigh_limits_raise() {
  local fam kv key v fams=ipv4
  # IPv6's tables only where the kernel has IPv6 (the lab's traffic is IPv4)
  [[ -e /proc/sys/net/ipv6/neigh/default/gc_thresh3 ]] && fams="ipv4 ipv6"
  if [[ ! -s "$LAB_NEIGH_SAVED" ]]; then
    for fam in $fams; do
      for kv in $LAB_NEIGH_LIMITS; do
        key=net.$fam.neigh.default.${kv%%=*}
        v=$(sysctl -n "$key") && [[ -n "$v" ]] || { rm -f "$LAB_NEIGH_SAVED.tmp"; return 1; }
        echo "$key=$v"
      done
    done >"$LAB_NEIGH_SAVED.tmp" && mv "$LAB_NEIGH_SAVED.tmp" "$LAB_NEIGH_SAVED" || return 1
  fi
  for fam in $fams; do
    for kv in $LAB_NEIGH_LIMITS; do
      sysctl -qw "net.$fam.neigh.default.$kv" || return 1
    done
  done
}
lab_neigh_limits_restore() {
  local kv
  [[ -s "$LAB_NEIGH_SAVED" ]] || return 0
  while read -r kv; do sysctl -qw "$kv"; done <"$LAB_NEIGH_SAVED"
  rm -f "$LAB_NEIGH_SAVED"
}

# lab_build: the whole network. Needs LAB_BIN (the build directory) and LAB_OUT.
lab_build() {
  local n host vlan sw_mac
  lab_neigh_limits_raise || { lab_die "could not raise the kernel's neighbour table limits"; return 1; }
  LSW_STATE=$LAB_OUT/switch
  rm -rf "$LSW_STATE"
  # shellcheck source=switch/labswitch.sh
  source "$LAB_SRC/lab/switch/labswitch.sh"
  lsw_init "$LAB_BIN/cordon-labswitch-agent" || return 1
  lsw_noc_create "$LAB_NOC" || return 1
  lsw_switch_create "$LAB_SW" "$LAB_NOC" 1 "10,20,$LAB_VOICE_VLAN,$LAB_QVLAN" || return 1
  for ((n = 1; n <= $(lab_host_count); n++)); do
    host=$(lab_host_name $n)
    vlan=$(lab_host_vlan $n)
    lsw_port_add "$LAB_SW" "$n" "$vlan" "$host" "$(lab_host_ip $n)/24" || return 1
    ip -n "$host" link set lo up
    # Replayed frames must leave at full size: no segmentation offload.
    ip netns exec "$host" ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1
  done
  lab_phone_build || return 1
  for n in $LAB_SPARE_PORTS; do
    ip -n "$LAB_SW" link add "swp$n" type veth peer name "plug$n" || return 1
    ip -n "$LAB_SW" link set "swp$n" master br10 || return 1
    ip -n "$LAB_SW" link set "swp$n" up
  done
  lsw_port_add "$LAB_SW" "$LAB_REM_PORT" "$LAB_QVLAN" "$LAB_REM" 10.10.0.250/24 || return 1
  ip -n "$LAB_REM" addr add 10.20.0.250/24 dev eth0
  ip -n "$LAB_REM" link set lo up
  lab_span_build || return 1
  # Quarantined hosts reach the remediation server, never each other.
  lsw_switch_quarantine "$LAB_SW" "$LAB_QVLAN" "$LAB_REM_PORT"
  lab_sink_build || return 1
  lsw_switch_notify "$LAB_SW" "$(lab_noc_addr):$LAB_NOTIFY_PORT" v2c || return 1
  lsw_switch_start "$LAB_SW" standard || return 1
  lab_router_build || return 1
}

# The IP phone behind h35: a macvlan on the host's link, so that its frames
# leave through the host's port with their own MAC, as through the switch
# built into a phone; the port is a tagged member of the voice VLAN (in the
# switch's Q-BRIDGE state: docs/snmp.md, "Tagged memberships").
lab_phone_build() {
  local pc
  pc=$(lab_host_name "$LAB_PHONE_PORT")
  lsw_ns_create "$LAB_PHONE" || return 1
  ip -n "$pc" link add link eth0 name ph0 type macvlan mode bridge || return 1
  ip -n "$pc" link set ph0 netns "$LAB_PHONE" || return 1
  ip -n "$LAB_PHONE" link set ph0 name eth0
  ip -n "$LAB_PHONE" addr add "$LAB_PHONE_IP/24" dev eth0
  ip -n "$LAB_PHONE" link set eth0 up
  lsw_port_tag "$LAB_SW" "$LAB_PHONE_PORT" "$LAB_VOICE_VLAN"
}

# lab_noc_addr: the NOC's address on the switch's management network.
lab_noc_addr() { local a; a=$(lsw_switch_addr "$LAB_SW"); echo "${a%.*}.2"; }

# lab_move_host N PORT: host N's cable goes from its port to the spare port
# PORT: its link there (renamed eth0, with the host's MAC and address) comes
# up and the old one (renamed e<old port>) goes down. lab_move_back N PORT
# undoes it. Who talks afterwards teaches the bridge where the host is.
lab_move_host() {
  local n=$1 port=$2 h mac ip
  h=$(lab_host_name "$n") mac=$(lsw_host_mac "$h") ip=$(lab_host_ip "$n")
  ip -n "$LAB_SW" link set "plug$port" netns "$h" || return 1
  ip -n "$h" link set eth0 down
  ip -n "$h" addr flush dev eth0
  ip -n "$h" link set eth0 name "e$n" || return 1
  ip -n "$h" link set "plug$port" name eth0 || return 1
  ip -n "$h" link set eth0 address "$mac" || return 1
  ip -n "$h" addr add "$ip/24" dev eth0 || return 1
  ip -n "$h" link set eth0 up
  ip netns exec "$h" ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1
  return 0
}
lab_move_back() {
  local n=$1 port=$2 h ip
  h=$(lab_host_name "$n") ip=$(lab_host_ip "$n")
  ip -n "$h" link show "e$n" >/dev/null 2>&1 || return 0
  ip -n "$h" link set eth0 down
  ip -n "$h" addr flush dev eth0
  ip -n "$h" link set eth0 name "plug$port" || return 1
  ip -n "$h" link set "plug$port" netns "$LAB_SW" || return 1
  ip -n "$h" link set "e$n" name eth0 || return 1
  ip -n "$h" addr add "$ip/24" dev eth0 || return 1
  ip -n "$h" link set eth0 up
}

# lab_routed_up: the switch routes VLAN 10 (10.10.0.254 on br10) to the core
# segment 10.40.255.0/30, and 10.40.0.0/16 beyond it through cordon-lab-core,
# which forwards nothing: probes to 10.40/16 cross the router and end at
# the core, unanswered. lab_routed_down removes all of it again.
lab_routed_up() {
  ip -n "$LAB_SW" addr add "$LAB_ROUTER_IP/24" dev br10 || return 1
  ip netns exec "$LAB_SW" sysctl -qw net.ipv4.ip_forward=1 || return 1
  lsw_ns_create "$LAB_CORE" || return 1
  ip -n "$LAB_SW" link add core0 type veth peer name eth0 netns "$LAB_CORE" || return 1
  ip -n "$LAB_SW" addr add "$LAB_CORE_ROUTER_IP/30" dev core0
  ip -n "$LAB_SW" link set core0 up
  ip -n "$LAB_CORE" addr add 10.40.255.2/30 dev eth0
  ip -n "$LAB_CORE" link set eth0 up
  ip -n "$LAB_CORE" link set lo up
  ip netns exec "$LAB_CORE" ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1
  ip -n "$LAB_SW" route add 10.40.0.0/16 via 10.40.255.2 || return 1
}
lab_routed_down() {
  ip -n "$LAB_SW" route del 10.40.0.0/16 2>/dev/null
  ip -n "$LAB_SW" link del core0 2>/dev/null
  lsw_ns_destroy "$LAB_CORE" 2>/dev/null
  ip netns exec "$LAB_SW" sysctl -qw net.ipv4.ip_forward=0 2>/dev/null
  ip -n "$LAB_SW" addr del "$LAB_ROUTER_IP/24" dev br10 2>/dev/null
  return 0
}

# VLAN 10's sink: the switch forwards frames for LAB_SINK_MAC to port
# sink10, a veth whose peer (in the switch namespace, no address) drops them
# as addressed to another host. A host that routes off-subnet targets through
# LAB_SINK_GW (lab_sink_route) sends them there instead of flooding them.
# (This kernel has no dummy links: docs/lab.md.)
lab_sink_build() {
  ip -n "$LAB_SW" link add sink10 type veth peer name sink10p || return 1
  ip -n "$LAB_SW" link set sink10 master br10 || return 1
  ip -n "$LAB_SW" link set sink10p up
  ip -n "$LAB_SW" link set sink10 up
  ip netns exec "$LAB_SW" bridge fdb add "$LAB_SINK_MAC" dev sink10 master static || return 1
}

# lab_sink_route add|del N...: VLAN 10 hosts N route 10.10.0.0/16 through the sink.
lab_sink_route() {
  local op=$1 n h
  shift
  for n in "$@"; do
    h=$(lab_host_name "$n")
    if [[ "$op" == add ]]; then
      ip -n "$h" neigh replace "$LAB_SINK_GW" lladdr "$LAB_SINK_MAC" dev eth0 nud permanent || return 1
      ip -n "$h" route replace 10.10.0.0/16 via "$LAB_SINK_GW" dev eth0 || return 1
    else
      ip -n "$h" route del 10.10.0.0/16 via "$LAB_SINK_GW" dev eth0 2>/dev/null
      ip -n "$h" neigh del "$LAB_SINK_GW" dev eth0 2>/dev/null
    fi
  done
  return 0
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
  lab_neigh_limits_restore
}

# ---- Cordon in the lab -------------------------------------------------------

# lab_cordon_start NAME [POLICY [HTTP]]: a fresh cordond in the NOC with the
# lab switch (SNMP v2c) and the router (netlink) as enforcement points, and a
# sensor on the mirror. POLICY: settings added to the policy group
# ("max_isolations_per_minute = 3;"); HTTP: daemon.http (none by default;
# the NOC's loopback is its own).
lab_cordon_start() {
  local name=$1 policy=${2:-} http=${3:-} dir=$LAB_OUT/run/$1 d
  # the lab's defaults, unless POLICY sets the same (libconfig refuses a duplicate)
  for d in "max_isolations_per_minute = 60;" "probation = 600;" "retry_initial = 1;" "retry_max = 5;"; do
    [[ "$policy" =~ (^|[[:space:];])${d%% *}[[:space:]]*= ]] || policy="$d $policy"
  done
  rm -rf "$dir"
  mkdir -p "$dir"
  LAB_RUN=$dir
  cat >"$dir/cordon.conf" <<EOF
daemon = { state = "$dir/state.db"; control = "$dir/ctl.sock"; control_ro = "$dir/ro.sock"; http = "$http"; };
sensors = { listen = [ "unix:$dir/sensor.sock" ]; };
policy = { $policy };
enforcement = (
  { name = "lab-switch"; kind = "snmp-qbridge"; prefixes = [ "10.10.0.0/24", "10.20.0.0/24" ];
    address = "$(lsw_switch_addr "$LAB_SW")"; community = "$LSW_RW_COMMUNITY"; quarantine_vlan = $LAB_QVLAN;
    timeout_ms = 500; retries = 2; },
  { name = "lab-router"; kind = "netlink"; prefixes = [ "10.30.0.0/16" ]; netns = "$LAB_RT";
    remediation = "10.30.9.0/24"; }
);
${LAB_CORDON_EXTRA:-}
EOF
  ip netns exec "$LAB_NOC" "$LAB_BIN/cordond" -d -f "$dir/cordon.conf" >"$dir/cordond.log" 2>&1 &
  LAB_CORDOND=$!
  for _ in $(seq 100); do [[ -S "$dir/ctl.sock" ]] && break; sleep 0.05; done
  [[ -S "$dir/ctl.sock" ]] || { lab_die "cordond did not start (see $dir/cordond.log)"; return 1; }
  # LAB_CORDON_SENSORS: where sensors run (span: the switch's mirror, rt:
  # the netlink router's segment A, core: behind VLAN 10's router)
  local sensors=${LAB_CORDON_SENSORS:-span rt}
  LAB_SENSOR="" LAB_SENSOR_RT="" LAB_SENSOR_CORE=""
  if [[ " $sensors " == *" span "* ]]; then
    ip netns exec "$LAB_NOC" "$LAB_BIN/cordon-sensor" -i span1 -N lab-span -o "unix:$dir/sensor.sock" \
      >"$dir/sensor.out" 2>"$dir/sensor.err" &
    LAB_SENSOR=$!
  fi
  if [[ " $sensors " == *" rt "* ]]; then
    ip netns exec "$LAB_RT" "$LAB_BIN/cordon-sensor" -i rta -N lab-router -o "unix:$dir/sensor.sock" \
      >"$dir/sensor-rt.out" 2>"$dir/sensor-rt.err" &
    LAB_SENSOR_RT=$!
  fi
  if [[ " $sensors " == *" core "* ]]; then
    ip netns exec "$LAB_CORE" "$LAB_BIN/cordon-sensor" -i eth0 -N core-1 -o "unix:$dir/sensor.sock" \
      >"$dir/sensor-core.out" 2>"$dir/sensor-core.err" &
    LAB_SENSOR_CORE=$!
  fi
  # ready when each sensor's capture is attached: no packet sent after this is missed
  [[ -z "${LAB_SENSOR:-}" ]] || wait_capture "$LAB_NOC" span1 ||
    { lab_die "the sensor on span1 did not attach its capture (see $dir/sensor.err)"; return 1; }
  [[ -z "${LAB_SENSOR_RT:-}" ]] || wait_capture "$LAB_RT" rta ||
    { lab_die "the sensor on rta did not attach its capture (see $dir/sensor-rt.err)"; return 1; }
  [[ -z "${LAB_SENSOR_CORE:-}" ]] || wait_capture "$LAB_CORE" eth0 ||
    { lab_die "the sensor on the core did not attach its capture (see $dir/sensor-core.err)"; return 1; }
}

lab_cordon_stop() {
  local p
  for p in ${LAB_SENSOR:-} ${LAB_SENSOR_RT:-} ${LAB_SENSOR_CORE:-} ${LAB_CORDOND:-}; do
    kill "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  LAB_SENSOR="" LAB_SENSOR_RT="" LAB_SENSOR_CORE="" LAB_CORDOND=""
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

# lab_running PID [COMM]: whether PID runs (and is named COMM). Not
# `kill -0`: a capture started in $(...) is orphaned when that subshell ends,
# and an init that does not reap at once leaves it a zombie after it exits,
# which `kill -0` still finds; an init that does reap may give its PID to
# another process, which COMM tells apart.
lab_running() {
  local st
  st=$(sed -n 's/^.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
  [[ -n "$st" && "$st" != Z ]] || return 1
  # The kernel keeps a name's first 15 bytes.
  [[ -z "${2:-}" || "$(cat "/proc/$1/comm" 2>/dev/null)" == "${2:0:15}" ]]
}

# lab_wait_gone PID COMM: returns once PID no longer runs as COMM (5 s at
# most); fails if it still does.
lab_wait_gone() {
  local i
  for ((i = 0; i < 250; i++)); do lab_running "$1" "$2" || return 0; sleep 0.02; done
  ! lab_running "$1" "$2"
}

# lab_capture_on NS IFACE FILE [FILTER]: starts tcpdump in NS on IFACE,
# writing each packet to FILE as it comes (-U), and returns once it listens
# (its own "listening on" in FILE.err, printed once its socket receives),
# printing its PID. Fails, with tcpdump's words, when it has exited or not
# listened within 5 s. Run in $(...): the capture is then no child of the
# caller, which stops it with lab_capture_stop.
lab_capture_on() {
  local pid i
  rm -f "$3.err"
  ip netns exec "$1" tcpdump -i "$2" -n -U -w "$3" ${4:+"$4"} >/dev/null 2>"$3.err" &
  pid=$!
  for ((i = 0; i < 250; i++)); do
    grep -q 'listening on' "$3.err" 2>/dev/null && { echo "$pid"; return 0; }
    lab_running "$pid" || break
    sleep 0.02
  done
  ! lab_running "$pid" tcpdump || kill "$pid" 2>/dev/null
  lab_die "the capture on $1 $2 did not start: $(tr '\n' ' ' <"$3.err" 2>/dev/null)"
}

# lab_capture_start HOSTNS FILE [FILTER]: lab_capture_on a host's eth0.
lab_capture_start() { lab_capture_on "$1" eth0 "$2" ${3:+"$3"}; }

# lab_capture_stop PID...: stops captures and returns once each has exited,
# its file then holding every packet it took (5 s each at most; one that
# still runs is killed, and said). A PID that is no longer a tcpdump (one
# already stopped) is left alone.
lab_capture_stop() {
  local p
  for p in "$@"; do lab_running "$p" tcpdump && kill "$p" 2>/dev/null; done
  for p in "$@"; do
    if ! lab_wait_gone "$p" tcpdump; then
      kill -KILL "$p" 2>/dev/null
      lab_log "warning: the capture $p did not stop within 5 s: killed"
    fi
  done
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

# lab_neigh_flush: every host forgets its neighbours, including lookups still
# being retried. A scenario starts on a quiet network: without this, the ARP
# requests a host is still sending for the last scan of the previous run
# (three tries a second apart) are unanswered lookups in the next run's
# fresh sensor.
lab_neigh_flush() {
  local n
  for ((n = 1; n <= $(lab_host_count); n++)); do ip -n "$(lab_host_name $n)" neigh flush all 2>/dev/null; done
  for n in ra1 ra2 rb1 rr; do ip -n "$LAB_PREFIX-$n" neigh flush all 2>/dev/null; done
  return 0
}

# ---- the background: every host's ordinary LAN traffic ------------------------------

# Every packet of the background carries this DSCP (1, lower effort): the
# detectors never read it; the scoreboard does, to tell background packets
# from a worm's probes (lab/run's probe counts exclude it).
LAB_BG_DSCP=1
LAB_BG_MARK="ip[1] & 0xfc == $((LAB_BG_DSCP << 2))"
LAB_BG_READY_S=10       # how long the hosts have to open their sockets
LAB_BG_WARMUP_S=${LAB_BG_WARMUP_S:-5}   # background before a scenario's worm starts
LAB_BG_PIDS=() LAB_BG_CAP=""

# The roles (docs/lab.md, "Background"), by host number. VLAN 10: twelve
# tcp/445 servers (eleven file servers and a NAS) so that one client can
# open sessions to ten or more within a minute; VLAN 20 has its own DHCP
# server and NMS, as the lab does not route between the VLANs. No server
# role falls on a host a scenario infects or replays from.
lab_bg_role() {
  case "$1" in
    11) echo client,heavy ;;
    13|14|15|16|17|18|19|21|22|23|24|31) echo fileserver ;;
    25) echo nas ;;
    26|34) echo webserver ;;
    27|28|32) echo printer ;;
    29) echo dhcp ;;
    30|36) echo nms ;;
    6) echo client,newclient ;;
    *) echo client ;;
  esac
}
# On VLAN 20 the file server also serves DHCP.
lab_bg_extra_role() { [[ $1 -eq 31 ]] && echo ,dhcp; }

# lab_bg_vlan_hosts VLAN ROLE: addresses of that VLAN's hosts with ROLE (any role: '')
lab_bg_vlan_hosts() {
  local vlan=$1 role=$2 n out=()
  for ((n = 1; n <= $(lab_host_count); n++)); do
    [[ "$(lab_host_vlan $n)" == "$vlan" ]] || continue
    [[ -z "$role" || ",$(lab_bg_role $n)$(lab_bg_extra_role $n)," == *",$role,"* ]] && out+=("$(lab_host_ip $n)")
  done
  local IFS=,
  echo "${out[*]}"
}

# lab_bg_start DIR: starts cordon-lanchatter in every host namespace (switch
# hosts and the router's segments), waits until each one has its sockets
# open, then lets them all talk at once. Sets LAB_BG_PIDS; DIR/background.log
# gets their ready and summary lines.
lab_bg_start() {
  local dir=$1 log=$1/background.log n ns ip vlan roles peers files webs dhcp seg started=0
  LAB_BG_PIDS=()
  rm -f "$log" "$dir/background.err" "$dir/background-mirror.pcap"
  # The background's packets as the switch's mirror sees them (counted for the scoreboard).
  LAB_BG_CAP=$(lab_capture_on "$LAB_NOC" span1 "$dir/background-mirror.pcap" "$LAB_BG_MARK") || return 1
  PIDS+=("$LAB_BG_CAP")
  local -A peers_v files_v webs_v dhcp_v
  for vlan in 10 20; do
    peers_v[$vlan]=$(lab_bg_vlan_hosts "$vlan" "")
    files_v[$vlan]=$(lab_bg_vlan_hosts "$vlan" fileserver),$(lab_bg_vlan_hosts "$vlan" nas)
    webs_v[$vlan]=$(lab_bg_vlan_hosts "$vlan" webserver),$(lab_bg_vlan_hosts "$vlan" nas),$(lab_bg_vlan_hosts "$vlan" printer)
    dhcp_v[$vlan]=$(lab_bg_vlan_hosts "$vlan" dhcp)
  done
  for ((n = 1; n <= $(lab_host_count); n++)); do
    ns=$(lab_host_name $n) ip=$(lab_host_ip $n) vlan=$(lab_host_vlan $n)
    roles=$(lab_bg_role $n)$(lab_bg_extra_role $n)
    # a host's own address is no peer of its own
    peers=$(tr , '\n' <<<"${peers_v[$vlan]}" | grep -vx "$ip" | paste -sd,)
    files=$(tr , '\n' <<<"${files_v[$vlan]}" | grep . | grep -vx "$ip" | paste -sd,)
    webs=$(tr , '\n' <<<"${webs_v[$vlan]}" | grep . | grep -vx "$ip" | paste -sd,)
    dhcp=${dhcp_v[$vlan]}
    # LAB_BG_PREFIX: where a host may send unicast (its answers included);
    # by default its own /24, wider when a scenario routes others to it
    local args=(--self "$ip" --prefix "${LAB_BG_PREFIX:-${ip%.*}.0/24}" --role "$roles" --peers "$peers")
    [[ -n "$files" ]] && args+=(--fileservers "$files")
    [[ -n "$webs" ]] && args+=(--webservers "$webs")
    [[ -n "$dhcp" && "$dhcp" != "$ip" ]] && args+=(--dhcp-server "$dhcp")
    lab_bg_spawn "$ns" "$log" "${args[@]}" || return 1
    started=$((started + 1))
  done
  # Behind the router: two clients on segment A, a file and web server on B.
  for seg in "ra1 10.30.1.11 client" "ra2 10.30.1.12 client" "rb1 10.30.2.11 fileserver,webserver"; do
    set -- $seg
    lab_bg_spawn "$LAB_PREFIX-$1" "$log" --self "$2" --prefix 10.30.0.0/16 --role "$3" \
      --peers "$(echo 10.30.1.11 10.30.1.12 10.30.2.11 | tr ' ' '\n' | grep -vx "$2" | paste -sd,)" \
      --fileservers 10.30.2.11 --webservers 10.30.2.11 || return 1
    started=$((started + 1))
  done
  # Ready: every process logged that its sockets (listeners too) are open.
  local ready=0
  for _ in $(seq $((LAB_BG_READY_S * 20))); do
    ready=$(grep -c '"event":"ready"' "$log" 2>/dev/null)
    [[ $ready -ge $started ]] && break
    sleep 0.05
  done
  if [[ $ready -lt $started ]]; then
    lab_bg_kill
    lab_die "background: $ready of $started hosts ready in ${LAB_BG_READY_S} s (see $dir/background.err)"
    return 1
  fi
  kill -USR1 "${LAB_BG_PIDS[@]}"
  lab_log "background: $started hosts talking"
}

# lab_bg_spawn NS LOG ARGS...: one cordon-lanchatter in NS.
lab_bg_spawn() {
  local ns=$1 log=$2
  shift 2
  ip netns exec "$ns" "$LAB_BIN/cordon-lanchatter" "$@" --dscp "$LAB_BG_DSCP" --duration 1800 \
    --log "$log" >/dev/null 2>>"${log%.log}.err" &
  LAB_BG_PIDS+=($!)
  PIDS+=($!)
}

# lab_bg_kill: ends the background's processes and its mirror capture, if any.
lab_bg_kill() {
  local p
  # Only processes that are still the background's: lab_bg_stop runs in
  # $(...), so the main shell still lists the PIDs it stopped, which may
  # belong to others by now.
  for p in "${LAB_BG_PIDS[@]}"; do lab_running "$p" cordon-lanchatter && kill -TERM "$p" 2>/dev/null; done
  # Until each has written its summary line and exited: in $(...) they are
  # no children, `wait` returns at once, and only their state tells.
  for p in "${LAB_BG_PIDS[@]}"; do
    lab_wait_gone "$p" cordon-lanchatter ||
      lab_log "warning: the background host $p did not exit within 5 s"
    wait "$p" 2>/dev/null
  done
  [[ -z "${LAB_BG_CAP:-}" ]] || lab_capture_stop "$LAB_BG_CAP"
  LAB_BG_PIDS=() LAB_BG_CAP=""
}

# lab_bg_stop DIR: stops the background; prints its counts as JSON from the
# hosts' summary lines ({hosts, flows, answered, served, send_errors}) and
# the mirror (packets).
lab_bg_stop() {
  local packets
  lab_bg_kill
  packets=$(lab_count_after "$1/background-mirror.pcap" 0)
  jq -s --argjson packets "$packets" '[.[] | select(.event == "summary")] |
    {hosts: length, flows: (map(.flows) | add // 0), answered: (map(.answered) | add // 0),
     served: (map(.served) | add // 0), send_errors: (map(.send_errors) | add // 0),
     send_errors_by_host: [.[] | select(.send_errors > 0) | {host, send_errors, send_errno}],
     packets: $packets}' "$1/background.log"
}
