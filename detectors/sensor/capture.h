/* SPDX-License-Identifier: ISC */
/*
 * capture: packets from a capture file or a live interface. The one module
 * of the sensor that includes libpcap.
 */
#ifndef CORDON_CAPTURE_H
#define CORDON_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct capture;

/*
 * Called for each packet that passes the filter; `data` is valid only during
 * the call. `index` is the 1-based position of the packet in the file (or
 * among the packets read from an interface), counting filtered ones.
 */
typedef void (*capture_packet_fn)(void *arg, const uint8_t *data,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_us, uint64_t index);

/*
 * Opens a pcap or pcapng file. On error returns NULL with a message naming the
 * file in err. The caller owns the result (capture_close).
 */
struct capture *capture_open_file(const char *path, char *err, size_t errlen);

/*
 * Opens a live interface in immediate, non-blocking mode with a 64 MB buffer
 * (a smaller one drops packets at replay top speed).
 */
struct capture *capture_open_live(const char *ifname, char *err, size_t errlen);

/* Compiles and installs a BPF filter. Returns 0, or -1 with a message. */
int capture_set_filter(struct capture *c, const char *expr, char *err,
    size_t errlen);

/* The link type (LINKTYPE_* numbering) and its name. */
int capture_linktype(const struct capture *c);
const char *capture_linktype_name(const struct capture *c);

/*
 * Delivers up to `max` packets (max <= 0: all that are ready). Returns the
 * number delivered, 0 at the end of a file or when a live capture has nothing
 * ready, or -1 on error (message in err).
 */
int capture_dispatch(struct capture *c, int max, capture_packet_fn fn,
    void *arg, char *err, size_t errlen);

/* For a live capture: the descriptor to poll for readability, or -1. */
int capture_fd(const struct capture *c);

/* Kernel drop counters of a live capture; 0 for files. */
void capture_drops(struct capture *c, uint64_t *dropped, uint64_t *if_dropped);

void capture_close(struct capture *c);

#endif
