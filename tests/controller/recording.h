/* SPDX-License-Identifier: ISC */
/*
 * recording: an enforcement point that changes nothing outside the process,
 * for tests and benchmarks of the controller. It plays a switch:
 *
 *   locate(H)   -> port "port-N" (N: the low 32 bits of H's address),
 *                  orig_vlan 10, quarantine_vlan from the setting (999)
 *   isolate(L)  -> the host's port is now in the quarantine VLAN
 *   release(L)  -> the host's port is back in L's orig_vlan
 *   check(L)    -> ok while the host is isolated, mismatch otherwise
 *
 * Its per-host state lives in memory only, so a restarted daemon finds every
 * quarantine gone, as after a switch reboot. Every operation completes
 * synchronously and, when the `log` setting names a file, appends one line:
 *
 *   OP HOST PORT RESULT DETAIL      e.g. "isolate 10.0.0.1 port-167772161 ok VLAN 10 -> 999"
 *
 * A test double: it is linked into tests/controller/cordond_test only, never
 * into cordond.
 */
#ifndef CORDON_TESTS_RECORDING_H
#define CORDON_TESTS_RECORDING_H

#include <stddef.h>

#include "cordon.h"

#define RECORDING_DEFAULT_QUARANTINE_VLAN 999
#define RECORDING_ORIG_VLAN 10

/*
 * The backend factory for kind "recording" (see backend_factory in
 * cordon.h). Settings: quarantine_vlan (1..4094, default 999), log (a file
 * path, appended to; default none). Any other setting is an error naming it.
 */
struct enf_point *recording_point_new(const struct conf_point *cp,
    struct loop *loop, char *err, size_t errlen);

#endif
