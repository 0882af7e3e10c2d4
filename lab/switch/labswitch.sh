#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# labswitch.sh: builds and removes SNMP-managed lab switches in network namespaces.
#
# Used two ways:
#   source lab/switch/labswitch.sh       a library (functions lsw_*), for tests
#   lab/switch/labswitch.sh demo PREFIX  one switch, three hosts, printed how to reach it;
#                                        lab/switch/labswitch.sh down PREFIX removes it
#
# The model (this kernel has no bridge VLAN filtering and no 802.1Q devices):
#   switch namespace SW   bridges br<VID> (one per VLAN), access ports swp<N>
#                         (veths; the peer is eth0 in a host namespace), mgmt0
#                         with 10.200.<IDX>.1/24, a private snmpd listening on
#                         udp:10.200.<IDX>.1:161 and cordon-labswitch-agent.
#   NOC namespace         one veth m<IDX> per switch with 10.200.<IDX>.2/24: the
#                         manager (Cordon, snmpget) runs there.
#   host namespaces       eth0 with the host's address.
# Moving port N to VLAN V is `ip link set swpN master brV`, which the agent does
# on an SNMP SET.
#
# Credentials of every lab switch (lab-only secrets, never used outside the lab):
#   v2c read-write community  $LSW_RW_COMMUNITY   (default cordon-rw)
#   v2c read-only community   $LSW_RO_COMMUNITY   (default cordon-ro)
#   SNMPv3 authPriv user      $LSW_V3_USER, SHA $LSW_V3_AUTH, AES $LSW_V3_PRIV
#
# State (configs, sockets, logs, pid files) lives under $LSW_STATE (a private
# temporary directory created by lsw_init). Every function bounds its waits.

LSW_RW_COMMUNITY=${LSW_RW_COMMUNITY:-cordon-rw}
LSW_RO_COMMUNITY=${LSW_RO_COMMUNITY:-cordon-ro}
LSW_V3_USER=${LSW_V3_USER:-cordonv3}
LSW_V3_AUTH=${LSW_V3_AUTH:-cordon-lab-auth-pass}
LSW_V3_PRIV=${LSW_V3_PRIV:-cordon-lab-priv-pass}
LSW_AGENT=${LSW_AGENT:-}
LSW_STATE=${LSW_STATE:-}
LSW_NAMESPACES=()   # every namespace this shell created, removed by lsw_cleanup

lsw_die() { echo "labswitch: $*" >&2; return 1; }

# lsw_init AGENT_BINARY: creates the private state directory.
lsw_init() {
  LSW_AGENT=$1
  [[ -x "$LSW_AGENT" ]] || { lsw_die "agent binary '$LSW_AGENT' not found (build cordon-labswitch-agent)"; return 1; }
  if [[ -z "$LSW_STATE" ]]; then
    LSW_STATE=$(mktemp -d /tmp/cordon-lsw.XXXXXX) || return 1
  fi
  mkdir -p "$LSW_STATE/cli"
  # net-snmp's tools run as root write to /var/lib/snmp unless told otherwise.
  export SNMP_PERSISTENT_DIR=$LSW_STATE/cli
  export MIBS=
}

lsw_ns_exists() { [[ -e "/run/netns/$1" ]]; }

lsw_ns_create() {
  local ns=$1
  lsw_ns_exists "$ns" && { lsw_die "namespace $ns already exists; not touching it"; return 1; }
  ip netns add "$ns" || return 1
  LSW_NAMESPACES+=("$ns")
  ip -n "$ns" link set lo up
}

# lsw_ns_destroy NS: kills the namespace's processes (a namespace with live
# processes survives `ip netns del`), then deletes it. Only for namespaces we made.
lsw_ns_destroy() {
  local ns=$1 pids i
  lsw_ns_exists "$ns" || return 0
  pids=$(ip netns pids "$ns" 2>/dev/null)
  if [[ -n "$pids" ]]; then
    kill -CONT $pids 2>/dev/null
    kill -TERM $pids 2>/dev/null
    for ((i = 0; i < 20; i++)); do
      pids=$(ip netns pids "$ns" 2>/dev/null)
      [[ -z "$pids" ]] && break
      sleep 0.05
    done
    [[ -n "$pids" ]] && kill -KILL $pids 2>/dev/null
    for ((i = 0; i < 20; i++)); do
      [[ -z "$(ip netns pids "$ns" 2>/dev/null)" ]] && break
      sleep 0.05
    done
  fi
  ip netns del "$ns" 2>/dev/null
}

# lsw_cleanup: removes every namespace this shell created and the state directory.
lsw_cleanup() {
  local ns
  for ns in "${LSW_NAMESPACES[@]}"; do lsw_ns_destroy "$ns"; done
  LSW_NAMESPACES=()
  [[ -n "$LSW_STATE" && -d "$LSW_STATE" ]] && rm -rf "$LSW_STATE"
  return 0
}

# lsw_noc_create NOC
lsw_noc_create() { lsw_ns_create "$1"; }

# lsw_switch_create SW NOC IDX VLANS: namespace, bridges br<V> for V in the
# comma-separated VLANS, management link to the NOC (10.200.IDX.0/24). IDX in 1..250.
lsw_switch_create() {
  local sw=$1 noc=$2 idx=$3 vlans=$4 v
  lsw_ns_create "$sw" || return 1
  mkdir -p "$LSW_STATE/$sw"
  echo "$idx" >"$LSW_STATE/$sw/idx"
  for v in ${vlans//,/ }; do
    ip -n "$sw" link add "br$v" type bridge stp_state 0 forward_delay 0 || return 1
    ip -n "$sw" link set "br$v" up || return 1
  done
  ip -n "$sw" link add mgmt0 type veth peer name "m$idx" netns "$noc" || return 1
  ip -n "$sw" addr add "10.200.$idx.1/24" dev mgmt0
  ip -n "$noc" addr add "10.200.$idx.2/24" dev "m$idx"
  ip -n "$sw" link set mgmt0 up
  ip -n "$noc" link set "m$idx" up
}

# lsw_switch_addr SW: the switch's management address.
lsw_switch_addr() { echo "10.200.$(cat "$LSW_STATE/$1/idx").1"; }

# lsw_port_add SW N VLAN HOSTNS HOSTIP/LEN: access port swpN in VLAN, host namespace behind it.
lsw_port_add() {
  local sw=$1 n=$2 vlan=$3 host=$4 addr=$5
  lsw_ns_exists "$host" || lsw_ns_create "$host" || return 1
  ip -n "$sw" link add "swp$n" type veth peer name eth0 netns "$host" || return 1
  ip -n "$sw" link set "swp$n" master "br$vlan" || return 1
  ip -n "$sw" link set "swp$n" up
  ip -n "$host" addr add "$addr" dev eth0
  ip -n "$host" link set eth0 up
}

# lsw_host_mac HOSTNS
lsw_host_mac() { ip -n "$1" -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

# lsw_switch_start SW [standard|cisco|ios]: private snmpd + subagent; waits until both answer.
# ios: a Cisco IOS-like switch, BRIDGE-MIB per VLAN only ("community@VID", context "vlan-VID").
lsw_switch_start() {
  local sw=$1 pers=${2:-standard} dir=$LSW_STATE/$1
  mkdir -p "$dir/persist"
  chmod 700 "$dir"
  cat >"$dir/snmpd.conf" <<EOF
[snmp] mibs :
master agentx
agentXSocket unix:$dir/agentx.sock
agentXTimeout 5
rocommunity $LSW_RO_COMMUNITY default
rwcommunity $LSW_RW_COMMUNITY default
createUser $LSW_V3_USER SHA "$LSW_V3_AUTH" AES "$LSW_V3_PRIV"
rwuser $LSW_V3_USER priv
dontLogTCPWrappersConnects yes
EOF
  # Notification sinks (lsw_switch_notify): snmpd sends what the subagent raises.
  [[ -f "$dir/sinks" ]] && cat "$dir/sinks" >>"$dir/snmpd.conf"
  if [[ "$pers" == ios ]]; then
    # Cisco's community string indexing: "community@VID" reads VLAN VID's bridge
    # context "vlan-VID"; SNMPv3 names the context itself.
    local v
    {
      echo "view cordonall included .1"
      for v in $(ip -n "$sw" -o link show type bridge | sed -n 's/^[0-9]*: br\([0-9]*\)[:@].*/\1/p'); do
        echo "com2sec -Cn vlan-$v ctxrw$v default $LSW_RW_COMMUNITY@$v"
        echo "com2sec -Cn vlan-$v ctxro$v default $LSW_RO_COMMUNITY@$v"
        echo "group ctxrw v2c ctxrw$v"
        echo "group ctxro v2c ctxro$v"
      done
      echo "group ctxv3 usm $LSW_V3_USER"
      echo "access ctxrw vlan- any noauth prefix cordonall cordonall none"
      echo "access ctxro vlan- any noauth prefix cordonall none none"
      echo "access ctxv3 vlan- usm priv prefix cordonall cordonall none"
    } >>"$dir/snmpd.conf"
  fi
  chmod 600 "$dir/snmpd.conf"
  echo "$pers" >"$dir/personality"
  lsw_snmpd_launch "$sw" || return 1
  lsw_agent_start "$sw" || return 1
}

# lsw_poll SECONDS CMD...: runs CMD every 50 ms until it succeeds (0) or
# SECONDS have passed (1). Bounded in time rather than in tries: on a loaded
# machine each try takes longer, and a count of them would give up early.
lsw_poll() {
  local deadline=$(( ${EPOCHREALTIME//[!0-9]/} + $1 * 1000000 ))
  shift
  until "$@"; do
    (( ${EPOCHREALTIME//[!0-9]/} < deadline )) || return 1
    sleep 0.05
  done
}

# lsw_gone PID: whether the process has ended.
lsw_gone() { ! kill -0 "$1" 2>/dev/null; }

# lsw_snmpd_launch SW: starts the switch's snmpd and waits for its AgentX socket.
lsw_snmpd_launch() {
  local sw=$1 dir=$LSW_STATE/$1 addr
  addr=$(lsw_switch_addr "$sw")
  rm -f "$dir/agentx.sock"
  SNMP_PERSISTENT_DIR=$dir/persist ip netns exec "$sw" \
    snmpd -f -Lf "$dir/snmpd.log" -C -c "$dir/snmpd.conf" -I -smux -p "$dir/snmpd.pid" \
    --agentXSocket="unix:$dir/agentx.sock" "udp:$addr:161" </dev/null >/dev/null 2>&1 &
  lsw_poll 30 test -S "$dir/agentx.sock" ||
    lsw_die "$sw: snmpd did not open its AgentX socket in 30 s (see $dir/snmpd.log)"
}

# lsw_wait_served SW: waits (bounded) until the subagent answers through snmpd.
# The answer must come from the subagent's own subtree: until it is registered,
# a GETNEXT would return some later object of snmpd's.
lsw_wait_served() {
  local sw=$1 prefix=1.3.6.1.2.1.17.1.2 pid
  # An ios switch has no BRIDGE-MIB in the default context: ask for vtpVlanState.
  [[ "$(cat "$LSW_STATE/$sw/personality" 2>/dev/null)" == ios ]] && prefix=1.3.6.1.4.1.9.9.46.1.3.1.1.2
  pid=$(cat "$LSW_STATE/$sw/agent.pid" 2>/dev/null)
  lsw_poll 60 lsw_served_or_ended "$sw" "$prefix" "$pid"
  lsw_serves "$sw" "$prefix" && return 0
  if [[ -n "$pid" ]] && lsw_gone "$pid"; then
    lsw_die "$sw: the subagent ended before it answered (see $LSW_STATE/$sw/agent.log)"
  else
    lsw_die "$sw: the subagent does not answer in 60 s (see $LSW_STATE/$sw/agent.log)"
  fi
}

# lsw_served_or_ended SW PREFIX PID: the subagent answers, or its process has ended.
lsw_served_or_ended() {
  lsw_serves "$1" "$2" || { [[ -n "$3" ]] && lsw_gone "$3"; }
}

# lsw_serves SW PREFIX: whether a GETNEXT of PREFIX through the switch's snmpd
# comes back from under PREFIX.
lsw_serves() {
  ip netns exec "$1" snmpgetnext -v2c -c "$LSW_RO_COMMUNITY" -t 0.2 -r 0 -On -Oq \
    "$(lsw_switch_addr "$1")" "$2" 2>/dev/null | grep -q "^\.$2\."
}

# lsw_snmpd_restart SW [fresh]: stops and restarts the switch's snmpd (the
# subagent reconnects by itself); "fresh" also wipes its persistent state, so
# that it comes back with a new SNMPv3 engine ID.
lsw_snmpd_restart() {
  local sw=$1 fresh=${2:-} dir=$LSW_STATE/$1 pid
  pid=$(lsw_snmpd_pid "$sw")
  if [[ -n "$pid" ]]; then
    kill "$pid" 2>/dev/null
    lsw_poll 10 lsw_gone "$pid" || { lsw_die "$sw: snmpd $pid does not stop in 10 s"; return 1; }
  fi
  [[ "$fresh" == fresh ]] && rm -rf "$dir/persist" && mkdir -p "$dir/persist"
  lsw_snmpd_launch "$sw" && lsw_wait_served "$sw"
}

# lsw_switch_quarantine SW VLAN OPEN_PORT: before lsw_switch_start, makes VLAN
# the quarantine VLAN: its ports are isolated from each other (bridge port
# isolation), all reach OPEN_PORT (the remediation server's).
lsw_switch_quarantine() {
  mkdir -p "$LSW_STATE/$1"
  echo "-q $2 -o $3" >"$LSW_STATE/$1/quarantine"
}

# lsw_switch_notify SW ADDR:PORT [v2c|v3]: before lsw_switch_start, makes the
# switch send cmnMacChangedNotification for every MAC its bridges learn or
# forget to ADDR:PORT (a manager in the NOC namespace): v2c Trap with the
# read-write community, or v3 Inform (authPriv, the lab's v3 user). Several
# calls add several sinks.
lsw_switch_notify() {
  local sw=$1 sink=$2 ver=${3:-v2c} dir=$LSW_STATE/$1
  mkdir -p "$dir"
  case $ver in
    v2c) echo "trap2sink udp:$sink $LSW_RW_COMMUNITY" >>"$dir/sinks" ;;
    v3) echo "trapsess -Ci -v3 -u $LSW_V3_USER -l authPriv -a SHA -A $LSW_V3_AUTH -x AES -X $LSW_V3_PRIV udp:$sink" >>"$dir/sinks" ;;
    *) lsw_die "lsw_switch_notify: '$ver' is not v2c or v3"; return 1 ;;
  esac
  touch "$dir/notify-macs"
}

# lsw_port_tag SW PORT VLAN: before lsw_switch_start, PORT is also a tagged
# member of VLAN (a phone's voice VLAN on a PC's access port). The kernel here
# cannot forward tagged frames: the membership exists in the switch's
# Q-BRIDGE-MIB state only (see cordon-labswitch-agent -T).
lsw_port_tag() {
  mkdir -p "$LSW_STATE/$1"
  echo "-T $2:$3" >>"$LSW_STATE/$1/tagged"
}

# lsw_port_voice SW PORT VALUE: before lsw_switch_start, PORT's voice VLAN
# (cisco personalities: vmVoiceVlanId, 1..4094 a VLAN, 0 dot1p, 4095 untagged,
# 4096 none). Like a tagged membership it lives in the agent's MIB state only.
lsw_port_voice() {
  mkdir -p "$LSW_STATE/$1"
  echo "-V $2:$3" >>"$LSW_STATE/$1/tagged"
}

# lsw_agent_start SW: (re)starts the subagent and waits until it serves dot1dBaseNumPorts.
lsw_agent_start() {
  local sw=$1 dir=$LSW_STATE/$1 i qopts=()
  [[ -f "$dir/quarantine" ]] && read -ra qopts <"$dir/quarantine"
  [[ -f "$dir/notify-macs" ]] && qopts+=(-m)
  local t
  # $dir/tagged: the -T and -V options of lsw_port_tag and lsw_port_voice.
  if [[ -f "$dir/tagged" ]]; then
    while read -r t; do qopts+=($t); done <"$dir/tagged"
  fi
  SNMP_PERSISTENT_DIR=$dir/persist ip netns exec "$sw" \
    "$LSW_AGENT" -x "$dir/agentx.sock" -P "$(cat "$dir/personality")" -n "$sw" -d "$dir/persist" \
    "${qopts[@]}" </dev/null >>"$dir/agent.log" 2>&1 &
  echo $! >"$dir/agent.pid"
  lsw_wait_served "$sw"
}

# lsw_agent_stop SW: stops the subagent and waits (bounded) until it is gone,
# so that a new one does not register its subtrees beside the old one's.
lsw_agent_stop() {
  local pid
  pid=$(cat "$LSW_STATE/$1/agent.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || return 0
  lsw_poll 10 lsw_gone "$pid" || lsw_die "$1: subagent $pid does not stop in 10 s"
}

# lsw_snmpd_pid SW: pid of the switch's snmpd.
lsw_snmpd_pid() { cat "$LSW_STATE/$1/snmpd.pid" 2>/dev/null; }

# lsw_switch_destroy SW: its processes, then its namespace.
lsw_switch_destroy() { lsw_ns_destroy "$1"; }

# lsw_snmp CMD NOC SW OID [TYPE VALUE]...: runs a net-snmp tool (snmpget, snmpset,
# snmpwalk) from the NOC namespace against SW with the read-write community,
# numeric OIDs, quick output ("OID VALUE" per line).
lsw_snmp() {
  local cmd=$1 noc=$2 sw=$3; shift 3
  ip netns exec "$noc" "$cmd" -v2c -c "$LSW_RW_COMMUNITY" -t 2 -r 2 -Oqn \
    "$(lsw_switch_addr "$sw")" "$@"
}

# Stand-alone use: a demo switch to explore by hand.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -u
  case "${1:-}" in
    demo)
      prefix=${2:?usage: labswitch.sh demo PREFIX [AGENT]}
      agent=${3:-$(dirname "$0")/../../build/cordon-labswitch-agent}
      LSW_STATE=/tmp/$prefix-state
      lsw_init "$agent" || exit 1
      trap 'lsw_cleanup' ERR
      lsw_noc_create "$prefix-noc" &&
      lsw_switch_create "$prefix-sw" "$prefix-noc" 1 10,20,999 &&
      lsw_port_add "$prefix-sw" 1 10 "$prefix-h1" 10.77.0.1/24 &&
      lsw_port_add "$prefix-sw" 2 10 "$prefix-h2" 10.77.0.2/24 &&
      lsw_port_add "$prefix-sw" 3 999 "$prefix-rem" 10.77.0.99/24 &&
      lsw_switch_start "$prefix-sw" standard || { lsw_cleanup; exit 1; }
      echo "switch $prefix-sw at $(lsw_switch_addr "$prefix-sw") from namespace $prefix-noc"
      echo "  ip netns exec $prefix-noc snmpwalk -v2c -c $LSW_RW_COMMUNITY -On 10.200.1.1 1.3.6.1.2.1.17"
      echo "remove with: $0 down $prefix"
      ;;
    down)
      prefix=${2:?usage: labswitch.sh down PREFIX}
      for ns in "$prefix-noc" "$prefix-sw" "$prefix-h1" "$prefix-h2" "$prefix-rem"; do
        lsw_ns_destroy "$ns"
      done
      rm -rf "/tmp/$prefix-state"
      ;;
    *) echo "usage: labswitch.sh demo PREFIX [AGENT] | down PREFIX (or source it)" >&2; exit 2 ;;
  esac
fi
