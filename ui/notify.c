/*
 * The desktop notice of ui/app.c: the user's notify command (settings'
 * notify), run through /bin/sh with the chat's title, a few at a time.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"
#include "ui/app_int.h"
#include "ui/sanitize.h"

static void
app_notify_closed(uv_handle_t *h)
{
	struct app *a = h->data;

	free(h);
	a->open_handles--;
	a->notifying--;
}

static void
app_notify_exit(uv_process_t *p, int64_t status, int sig)
{
	(void)status;
	(void)sig;
	uv_close((uv_handle_t *)p, app_notify_closed);
}

/*
 * Runs the user's notify command with the chat's title (sanitised) as
 * $1, never a message's text: what shows on a desktop or a phone should
 * not carry what was said, least of all in a secret chat.
 */
void
app__notify(struct app *a, const char *title)
{
	uv_process_options_t o;
	uv_stdio_container_t io[3];
	uv_process_t *p;
	char clean[256], *args[6];

	if (a->cfg.notify[0] == '\0' || a->notifying >= APP_NOTIFY_MAX)
		return;
	if (ui_sanitize_buf(title, strlen(title), NULL, clean,
	    sizeof(clean)) < 0)
		return;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return;
	memset(&o, 0, sizeof(o));
	memset(io, 0, sizeof(io));
	io[0].flags = UV_IGNORE;
	io[1].flags = UV_IGNORE;
	io[2].flags = UV_IGNORE;
	args[0] = "sh";
	args[1] = "-c";
	args[2] = a->cfg.notify;
	args[3] = "sotto-notify";
	args[4] = clean;
	args[5] = NULL;
	o.file = "/bin/sh";
	o.args = args;
	o.stdio = io;
	o.stdio_count = 3;
	o.exit_cb = app_notify_exit;
	p->data = a;
	if (uv_spawn(a->loop, p, &o) != 0) {
		/* A failed spawn still has to be closed. */
		a->open_handles++;
		a->notifying++;
		uv_close((uv_handle_t *)p, app_notify_closed);
		return;
	}
	a->open_handles++;
	a->notifying++;
}
