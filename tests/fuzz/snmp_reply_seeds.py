#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""snmp_reply_seeds.py DIR: writes the seeds of fuzz_snmp_reply (tests/fuzz/seeds/snmp-reply).

Each seed is a script in fuzz_snmp_reply.c's input format: config flags, the
quarantine VLAN selector, then operations and the switch's answer to each
request the point makes, in order. The answers are those of the lab switch
(lab/switch: swp1/swp2 in VLAN 10, quarantine VLAN 999), given as built PDUs
or as SNMPv2c datagrams (BER, as snmpd sends them), plus hostile variants.
"""
import os
import struct
import sys

MAC0 = bytes([0x02, 0, 0, 0, 0, 0x01])   # fuzz_snmp_reply's MACS[0]
MAC1 = bytes([0x02, 0, 0, 0, 0, 0x02])
MAC9 = bytes([0xd2, 0x85, 0x15, 0xd2, 0x82, 0xfe])

T_INT, T_GAUGE, T_STR, T_NSI, T_EOM, T_C64, T_OID, T_IP = 0, 1, 4, 11, 12, 8, 6, 7


def ival(v):
    return b"\x80" + struct.pack("<i", v)


def sval(b):
    assert len(b) < 72
    return bytes([len(b)]) + b


def var(oidsel, t, val):
    return oidsel + bytes([t]) + val


def exact(i):
    """The request's i-th OID exactly."""
    return bytes([0, i])


def fdbrow(fdb, mac):
    """Root + fdbId + MAC (dot1qTpFdbPort)."""
    return bytes([6 | 0x80, 0, fdb]) + mac


def macrow(mac):
    """Root + MAC (dot1dTpFdbPort)."""
    return bytes([6, 0]) + mac


def parts32(*p):
    """Root + index parts as 32-bit values."""
    return bytes([1 | 0x80, 0, len(p)]) + b"".join(struct.pack("<I", x) for x in p)


def pdu(vars_, hdr=0, err=b""):
    return b"\x02" + bytes([hdr]) + err + bytes([len(vars_)]) + b"".join(vars_)


# ---- BER (SNMPv2c GetResponse, as snmpd sends it) ----

def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    elif n < 0x100:
        ln = bytes([0x81, n])
    else:
        ln = bytes([0x82, n >> 8, n & 0xff])
    return bytes([tag]) + ln + body


def ber_int(v, tag=0x02):
    b = v.to_bytes(8, "big", signed=True).lstrip(b"\x00") or b"\x00"
    if v >= 0 and b[0] & 0x80:
        b = b"\x00" + b
    if v < 0:
        b = v.to_bytes(8, "big", signed=True).lstrip(b"\xff")
        if not b or not b[0] & 0x80:
            b = b"\xff" + b
    return tlv(tag, b)


def ber_oid(parts):
    out = bytes([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7f]
        p >>= 7
        while p:
            enc.append(0x80 | (p & 0x7f))
            p >>= 7
        out += bytes(reversed(enc))
    return tlv(0x06, out)


def ber_msg(varbinds, errstat=0, errindex=0, community=b"cordon-rw"):
    vbl = b"".join(tlv(0x30, ber_oid(o) + v) for o, v in varbinds)
    p = tlv(0xa2, ber_int(4242) + ber_int(errstat) + ber_int(errindex) + tlv(0x30, vbl))
    return tlv(0x30, ber_int(1) + tlv(0x04, community) + p)


def ber(varbinds, **kw):
    m = ber_msg(varbinds, **kw)
    return b"\x00" + struct.pack("<H", len(m)) + m


SYSLOC = [1, 3, 6, 1, 2, 1, 1, 6, 0]
DOT1Q_FDB = [1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1, 2]
BASE_IFX = [1, 3, 6, 1, 2, 1, 17, 1, 4, 1, 2]
IFNAME = [1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1]
PVID = [1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 5, 1, 1]
EGRESS = [1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 2]
UNTAGGED = [1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 4]
IFADMIN = [1, 3, 6, 1, 2, 1, 2, 2, 1, 7]


def gauge(v):
    return ber_int(v, 0x42)


def octets(b):
    return tlv(0x04, b)


# ---- operations ----
LOCATE0 = b"\x00\x40"          # one op: locate MACS[0]
LOCATE01 = b"\x10\x40\x44"     # two ops: locate MACS[0], MACS[1]
ISOLATE = b"\x00\x01\x00"      # isolate the last location
CHECK = b"\x00\x03\x00"
RELEASE = b"\x00\x02\x00"


def qbridge_pdu(ifname=b"swp1", verify_eg=b"\x80", pvid=10, walk_rows=None):
    rows = walk_rows or [var(fdbrow(10, MAC0), T_INT, ival(1)),
                         var(fdbrow(10, MAC1), T_INT, ival(2)),
                         var(fdbrow(99, MAC9), T_INT, ival(3))]
    s = b"\x00\x00"
    s += pdu([var(exact(0), T_STR, sval(b"lab rack 1"))])           # probe: read
    s += pdu([var(exact(0), T_STR, sval(b"lab rack 1"))])           # probe: write back
    s += LOCATE0
    s += pdu(rows) + pdu([])                                         # dot1qTpFdbPort walk
    s += pdu([var(exact(0), T_INT, ival(1)), var(exact(1), T_GAUGE, ival(pvid))])
    s += pdu([var(exact(0), T_STR, sval(ifname))])                  # ifName.1
    s += ISOLATE
    s += pdu([var(exact(0), T_GAUGE, ival(pvid)), var(exact(1), T_STR, sval(b"\x00")),
              var(exact(2), T_STR, sval(b"\x00")), var(exact(3), T_STR, sval(b"\xc0")),
              var(exact(4), T_STR, sval(b"\xc0"))])
    s += pdu([])                                                     # SET: noError
    s += pdu([var(exact(0), T_GAUGE, ival(999)), var(exact(1), T_STR, sval(verify_eg)),
              var(exact(2), T_STR, sval(b"\x80")), var(exact(3), T_STR, sval(b"\x40")),
              var(exact(4), T_STR, sval(b"\x40"))])
    s += CHECK + pdu([var(exact(0), T_GAUGE, ival(999))])
    s += RELEASE
    s += pdu([var(exact(0), T_GAUGE, ival(999)), var(exact(1), T_STR, sval(b"\x40")),
              var(exact(2), T_STR, sval(b"\x40")), var(exact(3), T_STR, sval(b"\x80")),
              var(exact(4), T_STR, sval(b"\x80"))])
    s += pdu([])
    s += pdu([var(exact(0), T_GAUGE, ival(10)), var(exact(1), T_STR, sval(b"\xc0")),
              var(exact(2), T_STR, sval(b"\xc0")), var(exact(3), T_STR, sval(b"\x00")),
              var(exact(4), T_STR, sval(b"\x00"))])
    return s


def qbridge_ber(bounce=False):
    s = bytes([2 if bounce else 0, 0])
    s += ber([(SYSLOC, octets(b"lab rack 1"))]) * 2
    s += LOCATE0
    s += ber([(DOT1Q_FDB + [10] + list(MAC0), ber_int(1)),
              (DOT1Q_FDB + [10] + list(MAC1), ber_int(2))])
    s += ber([([1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1, 3, 10] + list(MAC0), ber_int(3))])
    s += ber([(BASE_IFX + [1], ber_int(1)), (PVID + [1], gauge(10))])
    s += ber([(IFNAME + [1], octets(b"swp1"))])
    s += ISOLATE
    s += ber([(PVID + [1], gauge(10)), (EGRESS + [999], octets(b"\x00")),
              (UNTAGGED + [999], octets(b"\x00")), (EGRESS + [10], octets(b"\xc0")),
              (UNTAGGED + [10], octets(b"\xc0"))])
    s += ber([(PVID + [1], gauge(999)), (EGRESS + [999], octets(b"\x80")),
              (UNTAGGED + [999], octets(b"\x80")), (EGRESS + [10], octets(b"\x40")),
              (UNTAGGED + [10], octets(b"\x40"))])
    if bounce:
        s += ber([(IFADMIN + [1], ber_int(2))]) + ber([(IFADMIN + [1], ber_int(1))])
    s += ber([(PVID + [1], gauge(999)), (EGRESS + [999], octets(b"\x80")),
              (UNTAGGED + [999], octets(b"\x80")), (EGRESS + [10], octets(b"\x40")),
              (UNTAGGED + [10], octets(b"\x40"))])
    s += CHECK + ber([(PVID + [1], tlv(0x81, b""))])                # noSuchInstance
    return s


def cisco_pdu():
    s = b"\x01\x00"
    s += pdu([var(exact(0), T_STR, sval(b"lab"))]) * 2
    s += LOCATE0
    s += pdu([]) + pdu([])                                           # no dot1q, no dot1d table
    s += pdu([var(parts32(1, 10), T_INT, ival(1)), var(parts32(1, 999), T_INT, ival(1)),
              var(parts32(1, 1002), T_INT, ival(1))]) + pdu([])      # vtpVlanState
    s += pdu([var(macrow(MAC0), T_INT, ival(1)), var(macrow(MAC1), T_INT, ival(2))]) + pdu([])
    s += pdu([var(parts32(1), T_INT, ival(10101)), var(parts32(2), T_INT, ival(10102))]) + pdu([])
    s += pdu([])                                                     # VLAN 999: nothing learned
    s += pdu([var(exact(0), T_STR, sval(b"Gi1/0/1")), var(exact(1), T_INT, ival(10))])
    s += ISOLATE
    s += pdu([var(exact(0), T_INT, ival(10))]) + pdu([]) + pdu([var(exact(0), T_INT, ival(999))])
    s += CHECK + pdu([var(exact(0), T_INT, ival(999))])
    return s


def batch_toobig():
    """Two moves at once; the agent answers tooBig, then each runs alone."""
    s = b"\x00\x00"
    s += pdu([var(exact(0), T_STR, sval(b"x"))]) * 2
    s += LOCATE0
    s += pdu([var(fdbrow(10, MAC0), T_INT, ival(1))]) + pdu([])
    s += pdu([var(exact(0), T_INT, ival(1)), var(exact(1), T_GAUGE, ival(10))])
    s += pdu([var(exact(0), T_STR, sval(b"swp1\x1b[31m\xff\xfe"))])  # control and non-UTF-8 bytes
    s += b"\x10\x01\x00\x01\xa0\x01\x02\x02\x04"  # isolate the last and swp2 (port 2, VLAN 10)
    s += pdu([], hdr=2, err=b"\x01\x00")                             # tooBig
    return s


def hostile():
    """Hostile answers: walks backwards and repeating, wrong types, VLAN 4095, a huge name."""
    s = b"\x00\x00"
    s += pdu([var(exact(0), T_INT, ival(5))])                        # sysLocation as INTEGER
    s += LOCATE01
    s += pdu([var(fdbrow(10, MAC1), T_INT, ival(2)), var(fdbrow(10, MAC0), T_INT, ival(1))])
    s += LOCATE0
    s += pdu([var(fdbrow(10, MAC0), T_STR, sval(b"\x01")), var(bytes([4, 0]), T_INT, ival(1)),
              var(fdbrow(10, MAC0), T_C64, b"\x01\x00\x00\x00\x02\x00\x00\x00")])
    s += pdu([var(exact(0), T_INT, ival(1)), var(exact(1), T_GAUGE, ival(4095))])
    s += pdu([var(exact(0), T_STR, b"\x80\xff\x00\x41")])            # 255 bytes of 'A'
    s += LOCATE0
    s += pdu([var(bytes([3, 0, 128]) + bytes(128), T_OID, b"\x05\x01\x03\x06\x01\x02")])
    s += pdu([], hdr=3, err=b"\x06\x01")                             # report with noAccess
    return s


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    seeds = {
        "qbridge-pdu": qbridge_pdu(),
        "qbridge-ber": qbridge_ber(),
        "qbridge-ber-bounce": qbridge_ber(bounce=True),
        "qbridge-short-bitmap": qbridge_pdu(verify_eg=b"", ifname=b"\x00swp1"),
        "qbridge-pvid-4095": qbridge_pdu(pvid=4095),
        "cisco-contexts": cisco_pdu(),
        "batch-toobig": batch_toobig(),
        "hostile": hostile(),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
