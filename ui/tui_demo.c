/*
 * tui_demo: the real TUI over a model filled with sample chats, some of
 * whose strings are hostile (escape sequences, bidi overrides, broken
 * UTF-8, mark floods), so that the terminal tests can drive it without a
 * server. Sent text is appended to the open chat as an outgoing message.
 * Not installed.
 */
#include "config.h"

#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "ui/model.h"
#include "ui/tui.h"

#define DEMO_MAX_MSGS	64

struct demo_chat {
	struct ui_msg msgs[DEMO_MAX_MSGS];
	char *owned[DEMO_MAX_MSGS];	/* texts the user sent */
	size_t n;
};

struct demo {
	uv_loop_t *loop;
	struct ui_tui *tui;
	struct ui_model model;
	struct ui_chat chats[5];
	struct demo_chat data[5];
};

/* Hostile strings as another user could send them. */
static const char demo_hostile[] =
    "before\033]0;PWNED-TITLE\007\033]2;PWNED-TITLE\033\\"
    "\033[2J\033[H\033[10;5Hmoved\033[31m red? \033[0m"
    "\xe2\x80\xae" "txt.exe\xe2\x80\xac" " \xc2\x9b" "2J 8bit "
    "\033P+q544e\033\\" "\xc0\xaf bad-utf8 e\xcc\x81\xcc\x81\xcc\x81\xcc\x81"
    "\xcc\x81\xcc\x81\xcc\x81\xcc\x81 after";
static const char demo_hostile_title[] =
    "Mallory\033]2;PWNED-TITLE\007\xe2\x80\xae" "gnp\033[5;5H";

static void
demo_add(struct demo *d, size_t chat, const char *sender, time_t date,
    const char *text, unsigned flags)
{
	struct demo_chat *dc = &d->data[chat];
	struct ui_msg *msg;

	if (dc->n == DEMO_MAX_MSGS)
		return;
	msg = &dc->msgs[dc->n++];
	memset(msg, 0, sizeof(*msg));
	msg->id = dc->n;
	msg->sender = sender;
	msg->date = date;
	msg->text = text;
	msg->flags = flags;
	d->chats[chat].msgs = dc->msgs;
	d->chats[chat].nmsgs = dc->n;
	d->chats[chat].last_date = date;
	d->chats[chat].preview = text;
	d->chats[chat].preview_sender = (flags & UI_MSG_SERVICE) ? NULL :
	    sender;
}

static void
demo_fill(struct demo *d)
{
	time_t now = time(NULL);
	struct ui_chat *c = d->chats;

	c[0].id = 1;
	c[0].title = "Alice";
	c[1].id = 2;
	c[1].title = "Project \xe4\xb8\xad\xe6\x96\x87 group";
	c[1].flags = UI_CHAT_GROUP;
	c[2].id = 3;
	c[2].title = "Bob (secret)";
	c[2].flags = UI_CHAT_SECRET;
	c[3].id = 4;
	c[3].title = demo_hostile_title;
	c[4].id = 5;
	c[4].title = "Saved Messages";

	demo_add(d, 0, "Alice", now - 2 * 86400, "Hi! Are you there?", 0);
	demo_add(d, 0, "me", now - 2 * 86400 + 60, "Yes, what's up?",
	    UI_MSG_OUT | UI_MSG_READ);
	demo_add(d, 0, "Alice", now - 3600,
	    "A long message that has to wrap over several lines in a narrow "
	    "terminal, with caf\xc3\xa9 and \xe4\xb8\xad\xe6\x96\x87 and "
	    "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd in it.", 0);
	d->data[0].msgs[2].reply_to = 2;
	d->data[0].msgs[2].reply_sender = "me";
	d->data[0].msgs[2].reply_text = "Yes, what's up?";
	demo_add(d, 0, "me", now - 60, "Line one\nline two", UI_MSG_OUT |
	    UI_MSG_EDITED);
	c[0].unread = 1;

	demo_add(d, 1, NULL, now - 7200, "Alice created the group",
	    UI_MSG_SERVICE);
	demo_add(d, 1, "Carol", now - 7000, "\xe4\xbd\xa0\xe5\xa5\xbd "
	    "\xe4\xb8\x96\xe7\x95\x8c", 0);
	c[1].unread = 12;
	c[1].typing = "Carol";

	demo_add(d, 2, "Bob", now - 500, "This one is end-to-end encrypted.",
	    0);

	demo_add(d, 3, demo_hostile_title, now - 30, demo_hostile, 0);
	c[3].unread = 3;

	demo_add(d, 4, "me", now - 86400 * 40, "a note to self", UI_MSG_OUT);

	d->model.chats = d->chats;
	d->model.nchats = 5;
	d->model.conn = UI_CONN_ONLINE;
	d->model.account = "@demo";
	d->model.current = 1;
}

static void
demo_on_submit(void *ud, uint64_t chat_id, const char *text)
{
	struct demo *d = ud;
	size_t i;
	char *copy;

	for (i = 0; i < 5; i++) {
		if (d->chats[i].id != chat_id)
			continue;
		if (d->data[i].n == DEMO_MAX_MSGS ||
		    (copy = strdup(text)) == NULL)
			return;
		d->data[i].owned[d->data[i].n] = copy;
		demo_add(d, i, "me", time(NULL), copy, UI_MSG_OUT);
	}
	ui_tui_refresh(d->tui);
}

static void
demo_on_select(void *ud, uint64_t chat_id)
{
	struct demo *d = ud;
	size_t i;

	for (i = 0; i < 5; i++)
		if (d->chats[i].id == chat_id)
			d->chats[i].unread = 0;
}

static void
demo_on_quit(void *ud)
{
	struct demo *d = ud;

	ui_tui_stop(d->tui, NULL, NULL);
	d->tui = NULL;
}

int
main(void)
{
	static struct demo d;
	struct ui_tui_events ev = { demo_on_submit, demo_on_select,
	    demo_on_quit, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	size_t i, j;
	int r;

	setlocale(LC_ALL, "");
	if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0 &&
	    setlocale(LC_CTYPE, "C.UTF-8") == NULL) {
		fprintf(stderr, "tui_demo: needs a UTF-8 locale\n");
		return 1;
	}
	d.loop = uv_default_loop();
	demo_fill(&d);
	if ((r = ui_tui_start(&d.tui, d.loop, &d.model, &ev, &d)) != 0) {
		fprintf(stderr, "tui_demo: cannot start the TUI (%d)\n", r);
		return 1;
	}
	uv_run(d.loop, UV_RUN_DEFAULT);
	for (i = 0; i < 5; i++)
		for (j = 0; j < DEMO_MAX_MSGS; j++)
			free(d.data[i].owned[j]);
	uv_loop_close(d.loop);
	return 0;
}
