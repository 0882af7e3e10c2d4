# SPDX-License-Identifier: ISC
# Shell helpers shared by Cordon's namespace tests. Source it; it defines
# functions only and changes nothing by itself.

# capture_attached NS IFACE: whether a packet socket (a capture) receives on
# IFACE in namespace NS. /proc/net/packet names the interface by ifindex and
# the protocol: libpcap binds with protocol 0 (nothing received) while it
# sets up its ring, and rebinds to ETH_P_ALL (0003) once it is ready.
capture_attached() {
  local ifx
  ifx=$(ip -n "$1" -o link show "$2" 2>/dev/null | cut -d: -f1)
  [[ -n "$ifx" ]] || return 1
  ip netns exec "$1" awk -v i="$ifx" 'NR > 1 && $5 == i && $4 == "0003" {f = 1} END {exit !f}' /proc/net/packet
}

# wait_capture NS IFACE [TRIES]: waits (50 ms a try, 200 tries by default)
# until a capture is attached to IFACE; returns 1 if none ever is.
wait_capture() {
  local n=${3:-200}
  while ((n-- > 0)); do
    capture_attached "$1" "$2" && return 0
    sleep 0.05
  done
  return 1
}
