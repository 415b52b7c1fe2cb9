/*
 * The TUI's own / commands (/help, /msg, /group, /quit) and the calls
 * they make: a PEER is resolved first (cloud_resolve), then opened, added
 * or removed; /group create resolves all its members before it creates
 * the group. The secret chats' and privacy's commands are theirs
 * (ui/secret_ui.c, ui/privacy_ui.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"
#include "ui/app_int.h"
#include "ui/cmd.h"
#include "ui/privacy_ui.h"
#include "ui/secret_ui.h"
#include "ui/tui.h"

/* ------------------------------------------------------------ calls */

static void
app_note_done(void *ud, int err, const char *why, uint64_t id)
{
	struct app *a = ud;

	(void)id;
	if (app__op_end(a))
		return;
	if (err != 0)
		app__note(a, "failed: %s%s%s", err_str(err),
		    why != NULL && why[0] != '\0' ? ": " : "",
		    why != NULL ? why : "");
	else
		app__note(a, "done");
	a->need_reload = 1;
	app__kick(a);
}

static void
app_group_done(void *ud, int err, const char *why, uint64_t id)
{
	struct app *a = ud;

	if (app__op_end(a))
		return;
	if (err != 0) {
		app__note(a, "cannot create the group: %s%s%s", err_str(err),
		    why != NULL && why[0] != '\0' ? ": " : "",
		    why != NULL ? why : "");
		return;
	}
	app__note(a, "group created");
	a->pending_select = id;
	a->need_reload = 1;
	app__kick(a);
}

/* A peer resolved for a command: what to do with it. */
enum app_want {
	APP_WANT_OPEN,		/* /msg */
	APP_WANT_ADD,		/* /group add */
	APP_WANT_REMOVE,	/* /group remove */
	APP_WANT_MEMBER,	/* one of /group create's members */
};

struct app_group {
	struct app *a;
	char title[CLOUD_TITLE_MAX + 1];
	uint64_t ids[APP_MEMBERS_MAX];
	size_t n, waiting;
	int failed;
};

struct app_resolve {
	struct app *a;
	enum app_want want;
	uint64_t chat_id;
	char peer[128];
	struct app_group *g;
};

/* One lookup (or the placeholder) of /group create is over. */
static void
app_group_step(struct app_group *g)
{
	struct app *a = g->a;

	if (--g->waiting > 0)
		return;
	if (!g->failed && !a->dead) {
		if (cloud_create_group(a->c, g->title, g->ids, g->n,
		    APP_CALL_MS, app_group_done, a) == 0)
			a->ops++;
		else
			app__note(a, "cannot create the group");
	}
	free(g);
}

static void
app_group_member(struct app_group *g, int err, const char *peer,
    uint64_t user_id)
{
	if (err != 0 && !g->failed) {
		g->failed = 1;
		app__note(g->a, "cannot find %s: %s", peer, err_str(err));
	}
	if (err == 0 && g->n < APP_MEMBERS_MAX)
		g->ids[g->n++] = user_id;
	app_group_step(g);
}

static void
app_resolved(void *ud, int err, const char *why, const struct cloud_peer *p)
{
	struct app_resolve *rs = ud;
	struct app *a = rs->a;
	int r;

	(void)why;
	if (rs->want == APP_WANT_MEMBER)
		app_group_member(rs->g, err, rs->peer, err == 0 ? p->user_id :
		    0);
	if (app__op_end(a) || rs->want == APP_WANT_MEMBER) {
		free(rs);
		return;
	}
	if (err != 0) {
		app__note(a, "cannot find %s: %s", rs->peer, err_str(err));
		free(rs);
		return;
	}
	switch (rs->want) {
	case APP_WANT_OPEN:
		if (p->chat_id != 0) {
			a->pending_select = p->chat_id;
		} else if (p->user_id != 0) {
			/* No chat yet: one appears with the first message. */
			free(a->virt_title);
			a->virt_user = p->user_id;
			a->virt_title = app__strdup(app__name(a, p->user_id));
			app__reload_chats(a);
			if (a->tui != NULL)
				ui_tui_select(a->tui, APP_VIRTUAL_ID);
		}
		break;
	case APP_WANT_ADD:
	case APP_WANT_REMOVE:
		if (p->user_id == 0) {
			app__note(a, "%s is not a user", rs->peer);
			break;
		}
		r = rs->want == APP_WANT_ADD ?
		    cloud_add_member(a->c, rs->chat_id, p->user_id,
		    APP_CALL_MS, app_note_done, a) :
		    cloud_remove_member(a->c, rs->chat_id, p->user_id,
		    APP_CALL_MS, app_note_done, a);
		if (r == 0)
			a->ops++;
		else
			app__note(a, "failed: %s", err_str(r));
		break;
	default:
		break;
	}
	a->need_reload = 1;
	app__kick(a);
	free(rs);
}

static int
app_resolve(struct app *a, const char *peer, enum app_want want,
    struct app_group *g)
{
	struct app_resolve *rs;
	int r;

	if (cloud_peer_check(peer) != 0) {
		app__note(a, "not a PEER: %s (use @username, +phone, me or a "
		    "chat id)", peer);
		return ERR_INVAL;
	}
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return ERR_NOMEM;
	rs->a = a;
	rs->want = want;
	rs->chat_id = a->model.current;
	rs->g = g;
	snprintf(rs->peer, sizeof(rs->peer), "%s", peer);
	if ((r = cloud_resolve(a->c, peer, 0, APP_CALL_MS, app_resolved,
	    rs)) != 0) {
		app__note(a, "cannot look up %s: %s", peer, err_str(r));
		free(rs);
		return r;
	}
	a->ops++;
	return 0;
}

/* ------------------------------------------------------------ commands */

/* Splits s (modified) into at most max words; returns how many. */
static size_t
app_split(char *s, char **w, size_t max)
{
	size_t n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(s, " \t\n", &save); t != NULL && n < max;
	    t = strtok_r(NULL, " \t\n", &save))
		w[n++] = t;
	return n;
}

/* The rest of the line after the first k words of the original text. */
static const char *
app_rest(const char *s, size_t k)
{
	while (k-- > 0) {
		s += strspn(s, " \t\n");
		s += strcspn(s, " \t\n");
	}
	return s + strspn(s, " \t\n");
}

static int
app_is_peer_word(const char *w)
{
	return w[0] == '@' || w[0] == '+';
}

static void
app_cmd_group(void *ud, const char *line, char **w, size_t n)
{
	struct app *a = ud;
	const struct app_chatx *x = app__chatx(a, a->model.current);
	struct app_group *g;
	const char *title;
	size_t i, k;
	int r;

	if (n < 2) {
		app__note(a, "%s", APP_GROUP_USAGE);
		return;
	}
	if (strcmp(w[1], "create") == 0) {
		if ((g = calloc(1, sizeof(*g))) == NULL)
			return;
		g->a = a;
		/* The title runs up to the first @user or +phone. */
		for (k = 2; k < n && !app_is_peer_word(w[k]); k++) {
			if (g->title[0] != '\0')
				strncat(g->title, " ", sizeof(g->title) -
				    strlen(g->title) - 1);
			strncat(g->title, w[k], sizeof(g->title) -
			    strlen(g->title) - 1);
		}
		if (g->title[0] == '\0') {
			app__note(a, "/group create TITLE @a @b: a title "
			    "first");
			free(g);
			return;
		}
		if (n - k > APP_MEMBERS_MAX) {
			app__note(a, "at most %d members at once",
			    APP_MEMBERS_MAX);
			free(g);
			return;
		}
		g->waiting = n - k + 1;	/* +1 until every lookup started */
		for (i = k; i < n; i++)
			if (app_resolve(a, w[i], APP_WANT_MEMBER, g) != 0)
				app_group_member(g, ERR_INVAL, w[i], 0);
		app_group_step(g);
		return;
	}
	if (x == NULL || x->kind != CLOUD_CHAT_GROUP) {
		app__note(a, "/group %s: open a group first", w[1]);
		return;
	}
	if ((strcmp(w[1], "add") == 0 || strcmp(w[1], "remove") == 0) &&
	    n == 3) {
		app_resolve(a, w[2], strcmp(w[1], "add") == 0 ? APP_WANT_ADD :
		    APP_WANT_REMOVE, NULL);
		return;
	}
	if (strcmp(w[1], "leave") == 0 && n == 2) {
		if ((r = cloud_leave(a->c, a->model.current, APP_CALL_MS,
		    app_note_done, a)) == 0)
			a->ops++;
		else
			app__note(a, "cannot leave: %s", err_str(r));
		return;
	}
	if (strcmp(w[1], "rename") == 0 && n >= 3) {
		title = app_rest(line, 2);
		if ((r = cloud_rename(a->c, a->model.current, title,
		    APP_CALL_MS, app_note_done, a)) == 0)
			a->ops++;
		else
			app__note(a, "cannot rename: %s", err_str(r));
		return;
	}
	app__note(a, "%s", APP_GROUP_USAGE);
}

static void
app_cmd_help(void *ud, const char *line, char **w, size_t n)
{
	struct app *a = ud;

	(void)line;
	(void)w;
	(void)n;
	ui_tui_help(a->tui, 1);
}

static void
app_cmd_quit(void *ud, const char *line, char **w, size_t n)
{
	struct app *a = ud;

	(void)line;
	(void)w;
	(void)n;
	ui_tui_stop(a->tui, app__tui_gone, a);
}

static void
app_cmd_msg(void *ud, const char *line, char **w, size_t n)
{
	(void)line;
	(void)n;
	app_resolve(ud, w[1], APP_WANT_OPEN, NULL);
}

/* The app's own commands; the secret chats' and privacy's are theirs. */
static const struct ui_cmd app_cmds[] = {
	{ "/help", NULL, "/help", 0, UI_CMD_ANY, app_cmd_help, NULL },
	{ "/msg", NULL, "/msg PEER", 1, 1, app_cmd_msg,
	    "@username, +phone, me or a chat id" },
	{ "/quit", NULL, "/quit", 0, UI_CMD_ANY, app_cmd_quit, NULL },
	{ "/group", NULL, APP_GROUP_USAGE, 1, UI_CMD_ANY, app_cmd_group,
	    NULL },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};

/* Every module's table, in the order Tab and the help list them. */
static size_t
app_cmd_sets(struct app *a, struct ui_cmd_set *sets)
{
	sets[0].cmds = app_cmds;
	sets[0].ud = a;
	sets[1].cmds = secret_ui_cmds;
	sets[1].ud = a->sui;
	sets[2].cmds = privacy_ui_cmds;
	sets[2].ud = a->pui;
	return APP_CMD_SETS;
}

void
app__command(struct app *a, const char *text)
{
	struct ui_cmd_set sets[APP_CMD_SETS];
	const struct ui_cmd *c;
	char *copy, *w[APP_MEMBERS_MAX + 8], usage[256];
	size_t n;
	void *ud;

	if ((copy = strdup(text)) == NULL)
		return;
	n = app_split(copy, w, sizeof(w) / sizeof(w[0]));
	if (n == 0)
		goto out;
	if ((c = ui_cmd_find(sets, app_cmd_sets(a, sets), w[0], &ud)) ==
	    NULL)
		app__note(a, "unknown command %.40s; /help lists them", w[0]);
	else if (!ui_cmd_fits(c, n - 1)) {
		ui_cmd_usage(c, usage, sizeof(usage));
		app__note(a, "%s", usage);
	} else
		c->run(ud, text, w, n);
out:
	free(copy);
}

void
app__commands_show(struct app *a)
{
	struct ui_cmd_set sets[APP_CMD_SETS];
	size_t n, i;

	n = app_cmd_sets(a, sets);
	(void)ui_cmd_words(sets, n, a->words, APP_WORDS_MAX + 1);
	a->nhelp = ui_cmd_help(sets, n, a->help, APP_HELP_MAX - 1);
	/* Not a command: how to send a line that starts with one. */
	snprintf(a->help[a->nhelp], sizeof(a->help[a->nhelp]),
	    "  Start a message with // to send a leading /.");
	a->nhelp++;
	for (i = 0; i < a->nhelp; i++)
		a->helpp[i] = a->help[i];
	ui_tui_commands(a->tui, a->words, a->helpp, a->nhelp);
}
