/* SPDX-License-Identifier: ISC */
/*
 * daemon: cordond itself (daemon.c), the top of the controller's modules.
 */
#ifndef CORDON_DAEMON_H
#define CORDON_DAEMON_H

/* cordond's command line: [-d] [-n] [-v] [-f FILE]. Returns the exit code. */
int cordond_main(int argc, char **argv);

#endif
