/* SPDX-License-Identifier: ISC */
/* cordond: the NOC daemon. The daemon is the controller library; see cordon.h. */
#include "cordon.h"
#include "daemon.h"

int
main(int argc, char **argv)
{
	backends_register_builtin();
	return cordond_main(argc, argv);
}
