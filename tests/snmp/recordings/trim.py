#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""trim.py SRC DST: keeps of an .snmprec recording only the subtrees Cordon
reads (system, ifDescr, ifName, BRIDGE-MIB, Q-BRIDGE-MIB, LLDP-MIB, the
Cisco VTP and VLAN-membership MIBs, Juniper's VLAN MIBs), sorted by OID as
snmpsim needs.

The recordings come from a tool that stored LLDP capability BITS as
net-snmp's display text ("28 2 4": the octets in hex, then the numbers of
the bits set); such a value is turned back into the octets it shows (4x|28),
and only when the bit numbers match the octets exactly. Nothing else is
changed. Run once per recording, by hand; the result is what is committed.
"""
import sys

KEEP = [
    "1.3.6.1.2.1.1",                # system
    "1.3.6.1.2.1.2.2.1.2",          # ifDescr
    "1.3.6.1.2.1.31.1.1.1.1",       # ifName
    "1.3.6.1.2.1.17",               # BRIDGE-MIB, Q-BRIDGE-MIB
    "1.0.8802.1.1.2",               # LLDP-MIB
    "1.3.6.1.4.1.9.9.46",           # CISCO-VTP-MIB
    "1.3.6.1.4.1.9.9.68",           # CISCO-VLAN-MEMBERSHIP-MIB
    "1.3.6.1.4.1.2636.3.40.1.5",    # JUNIPER-VLAN-MIB
    "1.3.6.1.4.1.2636.3.48",        # JUNIPER-L2ALD-MIB
]
# LLDP capability columns that hold BITS: lldpLocSysCapSupported/Enabled,
# lldpRemSysCapSupported/Enabled.
BITS = ["1.0.8802.1.1.2.1.3.5", "1.0.8802.1.1.2.1.3.6",
        "1.0.8802.1.1.2.1.4.1.1.11", "1.0.8802.1.1.2.1.4.1.1.12"]


def under(oid, prefix):
    return oid == prefix or oid.startswith(prefix + ".")


def bits_octets(text):
    """'28 2 4' -> '28'; None unless the text is exactly octets then their bits."""
    tok = text.split()
    for n in range(1, len(tok) + 1):
        octs = tok[:n]
        if not all(len(t) == 2 and all(c in "0123456789abcdefABCDEF" for c in t) for t in octs):
            break
        raw = bytes(int(t, 16) for t in octs)
        want = [str(i) for i in range(8 * len(raw)) if raw[i // 8] & (0x80 >> (i % 8))]
        if tok[n:] == want:
            return raw.hex()
    return None


def main():
    src, dst = sys.argv[1], sys.argv[2]
    rows = []
    for line in open(src, encoding="utf-8", errors="surrogateescape"):
        line = line.rstrip("\n")
        parts = line.split("|", 2)
        if len(parts) != 3:
            continue
        oid, typ, val = parts
        oid = oid.lstrip(".")
        if not any(under(oid, p) for p in KEEP):
            continue
        if typ == "4" and any(under(oid, p) for p in BITS):
            hexv = bits_octets(val)
            if hexv is not None:
                typ, val = "4x", hexv
        rows.append((tuple(int(x) for x in oid.split(".")), oid, typ, val))
    rows.sort()
    with open(dst, "w", encoding="utf-8", errors="surrogateescape") as f:
        for _, oid, typ, val in rows:
            f.write(f"{oid}|{typ}|{val}\n")


if __name__ == "__main__":
    main()
