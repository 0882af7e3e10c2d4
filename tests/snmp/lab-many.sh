# SPDX-License-Identifier: ISC
# lab-many.sh: sourced by snmp-bench and snmp_concurrency.sh after labswitch.sh.
# lsw_many_build NOC SWITCHES HOSTS PREFIX WORKDIR: builds SWITCHES standard lab
# switches (VLANs 10 and 999), each with HOSTS hosts in VLAN 10 on swp1..swpHOSTS,
# lets the bridges learn every host, and writes WORKDIR/spec (one line per
# switch: its config file and its hosts' MACs) for snmpsw-bench.
lsw_many_build() {
  local noc=$1 nsw=$2 nh=$3 prefix=$4 work=$5 s h sw hosts macs
  lsw_noc_create "$noc" || return 1
  : >"$work/spec"
  for ((s = 1; s <= nsw; s++)); do
    sw=$prefix-s$s
    lsw_switch_create "$sw" "$noc" "$s" 10,999 || return 1
    for ((h = 1; h <= nh; h++)); do
      lsw_port_add "$sw" "$h" 10 "$sw-h$h" "172.20.$s.$h/24" || return 1
    done
  done
  # snmpd and subagents start in parallel; each start waits for its own agent.
  local pids=()
  for ((s = 1; s <= nsw; s++)); do
    lsw_switch_start "$prefix-s$s" standard &
    pids+=($!)
  done
  local rc=0 p
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  [[ $rc -eq 0 ]] || return 1
  for ((s = 1; s <= nsw; s++)); do
    sw=$prefix-s$s
    macs=""
    for ((h = 1; h <= nh; h++)); do
      # A frame from every host, so that its switch learns its MAC.
      ip netns exec "$sw-h$h" ping -c1 -W1 -q "172.20.$s.$(( h == 1 ? 2 : 1 ))" >/dev/null 2>&1
      macs+=" $(lsw_host_mac "$sw-h$h")"
    done
    cat >"$work/$sw.conf" <<EOC
name=bench-s$s
address=$(lsw_switch_addr "$sw")
community=$LSW_RW_COMMUNITY
quarantine_vlan=999
timeout_ms=1000
retries=2
EOC
    echo "$work/$sw.conf$macs" >>"$work/spec"
  done
}
