#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""derive.py RECORDING.snmprec [MAC...]: what locate must answer for MACs of
a recorded switch, worked out from the recording alone (not with Cordon's C
code), by the rules written down in tests/snmp/recordings/README.md.

Without MACs: one line per MAC of the forwarding table, with the reasoning.
With MACs: the EXPECTED lines for them (RECORDING MAC STATUS PORT VLAN, or
RECORDING MAC STATUS KEYWORD). Options: --uplinks=NAME,NAME --max-macs=N
(default 4) as the switch's configuration in the test.
"""
import sys

MAX_MACS = 4


def load(path):
    d = {}
    for line in open(path, encoding="utf-8", errors="surrogateescape"):
        p = line.rstrip("\n").split("|", 2)
        if len(p) == 3:
            d[tuple(int(x) for x in p[0].split("."))] = (p[1], p[2])
    return d


def col(d, prefix):
    p = tuple(int(x) for x in prefix.split("."))
    return {k[len(p):]: v for k, v in d.items() if k[:len(p)] == p and len(k) > len(p)}


def num(v):
    t, s = v
    if t in ("2", "65", "66", "67"):
        try:
            return int(s)
        except ValueError:
            return None
    return None


def octets(v):
    t, s = v
    if t == "4x":
        return bytes.fromhex(s)
    if t == "4":
        return s.encode("utf-8", "surrogateescape")
    return None


def text(v):
    o = octets(v)
    return None if o is None else o.split(b"\0", 1)[0].decode("utf-8", "replace")


def portlist(v, as_text):
    """Set of bridge ports in a PortList (bitmap; Junos: a text list '3,4434')."""
    o = octets(v)
    if o is None:
        return set()
    if as_text:
        s = o.decode("ascii", "replace").strip()
        return {int(x) for x in s.split(",") if x.strip().isdigit()}
    return {8 * i + b + 1 for i, byte in enumerate(o) for b in range(8) if byte & (0x80 >> b)}


VENDORS = [  # sysObjectID prefix, name, driver, pvid indexed by ifIndex, PortLists as text
    ("1.3.6.1.4.1.9.1.", "Cisco IOS", "cisco", False, False),
    ("1.3.6.1.4.1.2636.", "Juniper Junos", "qbridge", True, True),
]


def vendor(d):
    v = d.get((1, 3, 6, 1, 2, 1, 1, 2, 0))
    oid = v[1].lstrip(".") + "." if v else ""
    for pfx, name, drv, pvid_ifx, pl_text in VENDORS:
        if oid.startswith(pfx):
            return name, drv, pvid_ifx, pl_text
    return "standard", "qbridge", False, False


def analyse(path, uplinks, max_macs):
    d = load(path)
    vname, drv, pvid_ifx, pl_text = vendor(d)
    bp = {k[0]: num(v) for k, v in col(d, "1.3.6.1.2.1.17.1.4.1.2").items() if len(k) == 1}
    names = {}   # port names: ifName, or ifDescr on a switch without ifName
    for c in ("1.3.6.1.2.1.31.1.1.1.1", "1.3.6.1.2.1.2.2.1.2"):
        if not names:
            for k, v in col(d, c).items():
                if len(k) == 1 and text(v):
                    names[k[0]] = text(v)
    ifname = {k[0]: text(v) for k, v in col(d, "1.3.6.1.2.1.31.1.1.1.1").items() if len(k) == 1}
    bridge_ifx = {i: p for p, i in bp.items() if i}
    # forwarding table: (MAC, port number, VLAN or None)
    fdbid_vid = {}
    for k, v in col(d, "1.3.6.1.2.1.17.7.1.4.2.1.3").items():
        if len(k) == 2 and num(v) is not None:
            fdbid_vid.setdefault(num(v), set()).add(k[1])
    rows = []
    for k, v in col(d, "1.3.6.1.2.1.17.7.1.2.2.1.2").items():
        if len(k) == 8 and k[1] == 6:      # fdbId.6.MAC: a length octet
            k = (k[0],) + k[2:]
        if len(k) != 7 or not num(v):
            continue
        fid = k[0]
        if fdbid_vid:
            vids = fdbid_vid.get(fid, set())
            vid = next(iter(vids)) if len(vids) == 1 else None
        else:
            vid = fid if 1 <= fid <= 4094 else None
        rows.append((k[1:], num(v), vid))
    have_q = bool(rows)   # BRIDGE-MIB's table only without a usable Q-BRIDGE one
    for k, v in col(d, "1.3.6.1.2.1.17.4.3.1.2").items():
        if have_q:
            break
        if len(k) == 7 and k[0] == 6:
            k = k[1:]
        if len(k) != 6 or not num(v):
            continue
        if not any(r[0] == k and r[1] == num(v) for r in rows):
            rows.append((k, num(v), None))
    # port numbers that only an ifIndex explains: the table numbers ports by ifIndex
    ifx_evidence = any(n not in bp and n in names for _, n, _ in rows)

    def identify(n):
        """(ifIndex, why-not) for an FDB port number."""
        as_bp = bp.get(n)
        as_ifx = n if n in names else None
        if as_bp and ifx_evidence and as_ifx and as_ifx in bridge_ifx and as_bp != as_ifx:
            return None, ("ambiguous", f"port number {n} is bridge port {n} ({names.get(as_bp)}) "
                          f"and ifIndex {n} ({names.get(n)})")
        if as_bp:
            return as_bp, None
        if as_ifx:
            if as_ifx not in bridge_ifx:
                return None, ("no bridge port", f"ifIndex {n} ({names.get(n)}) is no bridge port "
                              "(a link aggregate or the switch itself)")
            return as_ifx, None
        return None, ("neither", f"port number {n} is neither a bridge port nor an ifIndex")

    macs_on = {}
    vlans_on = {}
    for mac, n, vid in rows:
        ifx, _ = identify(n)
        key = ifx if ifx else ("n", n)
        macs_on.setdefault(key, set()).add(mac)
        if vid:
            vlans_on.setdefault(key, set()).add(vid)
    # VLAN memberships: static table, else the current one
    def members(c):
        """VLAN -> bridge ports, over all rows of the VLAN (the current table has a timeMark)."""
        m = {}
        for k, v in col(d, c).items():
            m.setdefault(k[-1], set()).update(portlist(v, pl_text))
        return m
    eg, un = members("1.3.6.1.2.1.17.7.1.4.3.1.2"), members("1.3.6.1.2.1.17.7.1.4.3.1.4")
    if not eg:
        eg, un = members("1.3.6.1.2.1.17.7.1.4.2.1.4"), members("1.3.6.1.2.1.17.7.1.4.2.1.5")
    pvid = {k[0]: num(v) for k, v in col(d, "1.3.6.1.2.1.17.7.1.4.5.1.1").items() if len(k) == 1}
    vmvlan = {k[0]: num(v) for k, v in col(d, "1.3.6.1.4.1.9.9.68.1.2.2.1.2").items() if len(k) == 1}
    trunkst = {k[0]: num(v) for k, v in col(d, "1.3.6.1.4.1.9.9.46.1.6.1.1.14").items() if len(k) == 1}
    # LLDP: neighbours with bridge or router capability (not phones), per ifIndex
    locdesc = {}
    for c in ("1.0.8802.1.1.2.1.3.7.1.3", "1.0.8802.1.1.2.1.3.7.1.4"):
        for k, v in col(d, c).items():
            if len(k) == 1 and text(v):
                locdesc.setdefault(k[0], []).append(text(v))
    by_name = {}
    for i, nm in names.items():
        by_name.setdefault(nm, set()).add(i)

    def lldp_ifindex(pn):
        for s in locdesc.get(pn, []):
            if len(by_name.get(s, ())) == 1:
                return next(iter(by_name[s]))
        if pn in bp:
            return bp[pn]
        return pn if pn in names else None

    lldp_infra = {}
    rsys = col(d, "1.0.8802.1.1.2.1.4.1.1.9")
    for k, v in col(d, "1.0.8802.1.1.2.1.4.1.1.12").items():
        o = octets(v)
        if len(k) != 3 or o is None or not o:
            continue
        bridge, router, phone = o[0] & 0x20, o[0] & 0x08, o[0] & 0x04
        if (bridge or router) and not phone:
            ifx = lldp_ifindex(k[1])
            if ifx:
                lldp_infra[ifx] = text(rsys.get(k, ("4", ""))) or "?"

    def classify(mac):
        hits = [(n, vid) for m, n, vid in rows if m == mac]
        if not hits:
            return ("not-found", "not in the forwarding table")
        cands = {}
        for n, vid in hits:
            ifx, why = identify(n)
            if not ifx:
                return ("refused", why[0], why[1])
            cands.setdefault(ifx, set()).add(vid)
        results = []
        for ifx, vids in cands.items():
            name = ifname.get(ifx) or names.get(ifx) or f"ifIndex {ifx}"
            b = bridge_ifx.get(ifx)
            tagged = [v for v in eg if b in eg[v] and b not in un.get(v, set())]
            untagged = [v for v in un if b in un[v]]
            refuse = None
            if name in uplinks:
                refuse = ("uplink", "configured uplink")
            elif trunkst.get(ifx) == 1:
                refuse = ("trunk", "vlanTrunkPortDynamicStatus trunking")
            elif drv == "cisco" and ifx not in vmvlan:
                refuse = ("trunk", "no vmVlan: not a static access port (a trunk or dynamic port)")
            elif len(tagged) >= 2 or (tagged and not untagged):
                refuse = ("trunk", f"tagged member of VLANs {sorted(tagged)}")
            elif ifx in lldp_infra:
                refuse = ("LLDP", f"LLDP neighbour {lldp_infra[ifx]} is a bridge or router")
            elif len(macs_on.get(ifx, ())) > max_macs:
                refuse = ("trunk", f"{len(macs_on[ifx])} MACs learned")
            elif len(vlans_on.get(ifx, ())) > 2:
                refuse = ("trunk", f"MACs in VLANs {sorted(vlans_on[ifx])}")
            results.append((ifx, name, b, vids, refuse))
        access = [r for r in results if not r[4]]
        if len(access) > 1:
            return ("refused", "ambiguous", "learned on " + " and ".join(r[1] for r in access))
        if not access:
            r = results[0]
            return ("refused", r[4][0], f"{r[1]}: {r[4][1]}")
        ifx, name, b, vids, _ = access[0]
        if drv == "cisco":
            vlan = vmvlan.get(ifx)
            src = "vmVlan"
        else:
            vlan = pvid.get(ifx if pvid_ifx else b)
            src = "dot1qPvid"
            if not vlan:
                u = [v for v in un if b in un[v]]
                vlan = u[0] if len(u) == 1 else None
                src = "untagged membership"
        if not vlan or not 1 <= vlan <= 4094:
            return ("error", "VLAN", f"{name}: the port's VLAN is not readable")
        learned = sorted(v for v in vids if v)
        return ("ok", name, vlan, f"{src}; learned in VLAN {learned if learned else '?'}")

    return rows, classify, vname


def mac_text(m):
    return ":".join(f"{x:02x}" for x in m)


def parse_mac(s):
    return tuple(int(x, 16) for x in s.split(":"))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    opts = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
    uplinks = set(filter(None, opts.get("uplinks", "").split(",")))
    max_macs = int(opts.get("max-macs", MAX_MACS))
    path = args[0]
    rows, classify, vname = analyse(path, uplinks, max_macs)
    rec = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if len(args) == 1:
        print(f"# {rec}: {vname}, {len(rows)} rows")
        for m in sorted({r[0] for r in rows}):
            print(mac_text(m), *classify(m))
        return
    for s in args[1:]:
        r = classify(parse_mac(s))
        if r[0] == "ok":
            print(rec, s, "ok", r[1].replace(" ", "_"), r[2], "#", r[3])
        else:
            print(rec, s, r[0], r[1].replace(" ", "_") if len(r) > 2 else "", "#", r[-1])


if __name__ == "__main__":
    main()
