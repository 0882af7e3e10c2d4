/* SPDX-License-Identifier: ISC */
/*
 * ctl_client: talks to cordond's control socket (one JSON object per line).
 * The library under cordonctl.
 */
#ifndef CORDON_CTL_CLIENT_H
#define CORDON_CTL_CLIENT_H

#include <stddef.h>

struct ctl_client;

/* Connects to the Unix socket at `path`. Returns NULL with a message in err
 * (errno is kept for the caller to tell "absent" from "denied"). */
struct ctl_client *ctl_client_connect(const char *path, char *err, size_t errlen);

/* Sends one request line (a JSON object, without '\n'). Returns 0 or -1. */
int ctl_client_send(struct ctl_client *cl, const char *json);

/*
 * Reads the next line into a buffer the client owns (valid until the next
 * call). Returns the line, or NULL at end of stream or on error. `timeout_ms`
 * < 0 waits for ever.
 */
const char *ctl_client_read(struct ctl_client *cl, int timeout_ms);

void ctl_client_close(struct ctl_client *cl);

#endif
