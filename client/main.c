/* sotto, the client: everything happens in the command-line front end. */
#include "client/cli.h"

int
main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
