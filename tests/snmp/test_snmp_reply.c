/* SPDX-License-Identifier: ISC */
/*
 * Regression tests for what fuzz_snmp_reply found in the SNMP point's
 * handling of switch replies. Each test replays the input that found it
 * (tests/snmp/replies/NAME, in fuzz_snmp_reply's script format) through the
 * fuzz target's own harness (tests/fuzz/fuzz_snmp_reply.c, compiled in here
 * without libFuzzer): the point's real state machine and snmp_client's real
 * response handling, via the snmp_fuzz.h hooks. The harness aborts when an
 * invariant breaks (an operation not completed exactly once, an ENF_OK
 * location with a VLAN out of 1..4094 or a port name that was not read, a
 * SET of an object or value the point must never write, a secret in a
 * message); the ASan+UBSan build (build-asan) also catches memory errors and
 * undefined behaviour.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *replies_dir;

static void
replay(const char *name)
{
	char path[4096];
	uint8_t buf[65536];
	snprintf(path, sizeof(path), "%s/%s", replies_dir, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(n > 0);
	assert_int_equal(LLVMFuzzerTestOneInput(buf, n), 0);
}

/* A dot1qTpFdbPort walk whose rows were all unusable (wrong types): qsort(NULL, 0) (UBSan). */
static void
test_fdb_no_usable_rows(void **st)
{
	(void)st;
	replay("fdb-no-usable-rows");
}

/* The write probe wrote the value back to whatever OID the switch named (ifAdminStatus.N). */
static void
test_probe_foreign_oid(void **st)
{
	(void)st;
	replay("probe-foreign-oid");
}

/* A release wrote a location's orig_vlan out of 1..4094 to vmVlan. */
static void
test_release_vlan_out_of_range(void **st)
{
	(void)st;
	replay("release-vlan-out-of-range");
}

/* A location with quarantine VLAN 65535 came back from a release as ENF_OK. */
static void
test_location_quarantine_out_of_range(void **st)
{
	(void)st;
	replay("location-quarantine-out-of-range");
}

/* dot1qPvid 4095 became a located port's orig_vlan (and would have been written back). */
static void
test_vlan_read_out_of_range(void **st)
{
	(void)st;
	replay("vlan-read-out-of-range");
}

/* ifName "\0swp1": the port was located with an empty name. */
static void
test_ifname_leading_nul(void **st)
{
	(void)st;
	replay("ifname-leading-nul");
}

/* An answer that left ifName out: the port was located with an empty name. */
static void
test_ifname_left_out(void **st)
{
	(void)st;
	replay("ifname-left-out");
}

/* dot1dBasePortIfIndex above 2^31-1 wrapped into a negative ifIndex of a located port. */
static void
test_ifindex_above_int32(void **st)
{
	(void)st;
	replay("ifindex-above-int32");
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_snmp_reply REPLIES_DIR\n");
		return 2;
	}
	replies_dir = argv[1];
	LLVMFuzzerInitialize(&argc, &argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fdb_no_usable_rows),
		cmocka_unit_test(test_probe_foreign_oid),
		cmocka_unit_test(test_release_vlan_out_of_range),
		cmocka_unit_test(test_location_quarantine_out_of_range),
		cmocka_unit_test(test_vlan_read_out_of_range),
		cmocka_unit_test(test_ifname_leading_nul),
		cmocka_unit_test(test_ifname_left_out),
		cmocka_unit_test(test_ifindex_above_int32),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
