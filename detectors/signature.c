#include "signature.h"

#include <string.h>

#define SLAMMER_PORT 1434
#define SLAMMER_PAYLOAD_LEN 376
#define SLAMMER_FIRST_BYTE 0x04
#define WELCHIA_FILL 0xAA
#define WELCHIA_MIN_PAYLOAD 16
#define BLASTER_SHELL_PORT 4444
#define TFTP_PORT 69

static const char blaster_file[] = "msblast.exe";

static bool
payload_has(const struct pkt *p, const char *needle)
{
	size_t n = strlen(needle);

	if (p->payload_len < n)
		return false;
	return memmem(p->payload, p->payload_len, needle, n) != NULL;
}

static bool
all_bytes(const uint8_t *b, uint32_t len, uint8_t v)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		if (b[i] != v)
			return false;
	return true;
}

const char *
sig_match(const struct pkt *p)
{
	switch (p->proto) {
	case IPPROTO_NUM_UDP:
		if (!p->has_ports)
			return NULL;
		if (p->dport == SLAMMER_PORT && p->payload_len == SLAMMER_PAYLOAD_LEN &&
		    p->payload[0] == SLAMMER_FIRST_BYTE)
			return "slammer";
		if (p->dport == TFTP_PORT && payload_has(p, blaster_file))
			return "blaster";
		return NULL;
	case IPPROTO_NUM_TCP:
		if (p->has_ports && p->dport == BLASTER_SHELL_PORT &&
		    payload_has(p, blaster_file))
			return "blaster";
		return NULL;
	case IPPROTO_NUM_ICMP:
		if (p->icmp_echo_request && p->payload_len >= WELCHIA_MIN_PAYLOAD &&
		    all_bytes(p->payload, p->payload_len, WELCHIA_FILL))
			return "welchia";
		return NULL;
	default:
		return NULL;
	}
}
