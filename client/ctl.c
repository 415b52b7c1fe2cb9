/* Placeholder until the socket lands. */
#include "client/ctl.h"

#include "proto/err.h"

int
ctl_listen(struct ctl **out, struct cloud *c, const char *dir,
    const char *server)
{
	(void)c; (void)dir; (void)server;
	*out = NULL;
	return ERR_NOT_FOUND;
}

void
ctl_free(struct ctl *ctl)
{
	(void)ctl;
}

int
ctl_try(const char *profile, int argc, char **argv, const char *message,
    int *status)
{
	(void)profile; (void)argc; (void)argv; (void)message; (void)status;
	return ERR_NOT_FOUND;
}
