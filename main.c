/*
 * sotto, the client. main sits above client/ and ui/ (LAYOUT.md: the
 * arrows point down, ui -> client): the command line (client/cli) runs
 * every action, and with none it opens the terminal UI chosen here.
 */
#include "client/cli.h"
#include "ui/app.h"

int
main(int argc, char **argv)
{
	return cli_main(argc, argv, ui_app_run);
}
