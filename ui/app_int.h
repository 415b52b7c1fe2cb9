/*
 * What the files of ui/app.c share (app.c, app_window.c, app_chats.c,
 * app_cmd.c, notify.c): the app's state and its app__ internals. Not a
 * public header: the rest of the program sees ui/app.h only.
 */
#ifndef SOTTO_UI_APP_INT_H
#define SOTTO_UI_APP_INT_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "client/cloud.h"
#include "ui/cmd.h"
#include "ui/model.h"
#include "ui/settings.h"

struct ui_search;

#define APP_PAGE		100	/* messages read per page */
#define APP_WIN_MAX		1000	/* messages kept in the window */
#define APP_TYPING_MS		6000	/* how long "is typing" shows */
#define APP_TYPING_EVERY_MS	4000	/* our own typing notices at most */
#define APP_NOTE_MS		8000	/* how long a notice shows */
#define APP_CALL_MS		15000	/* timeout of our calls */
#define APP_TYPING_MAX		32
#define APP_NOTIFY_MAX		4	/* notify commands running at once */
#define APP_MEMBERS_MAX		64	/* members named in /group create */
#define APP_CMD_SETS		3	/* modules with / commands */
#define APP_WORDS_MAX		32	/* / commands in all */
#define APP_HELP_MAX		7	/* the key help's lines about them */
#define APP_GROUP_USAGE	"/group create TITLE @a @b | add PEER | " \
	"remove PEER | leave | rename TITLE"
/* The chat shown for a user without a private chat yet (/msg @new). */
#define APP_VIRTUAL_ID		UINT64_MAX

#define EX_SOFTWARE_	70
#define EX_IOERR_	74

/* The wire's ServiceAction values (proto/sotto.proto). */
enum {
	APP_ACT_CREATED = 1,
	APP_ACT_ADDED = 2,
	APP_ACT_REMOVED = 3,
	APP_ACT_LEFT = 4,
	APP_ACT_RENAMED = 5,
	APP_ACT_SETTINGS = 6,
	APP_ACT_JOINED = 7,
};

/* What the model's chat does not say but the app needs. */
struct app_chatx {
	int kind;		/* enum cloud_chat_kind */
	uint64_t peer_id;
	uint64_t read_outbox;
	uint64_t last_id;	/* its newest message */
	char *title, *preview, *preview_sender;
	char *status, *bio;	/* a private chat's peer (client/presence.h) */
};

/* What a message of the window owns. */
struct app_msgx {
	uint64_t random_id;	/* ours, while pending; else 0 */
	uint64_t sender_id;
	char *text;
	char *reply_text;
	char *fwd_from;		/* a forward copy's original sender */
};

struct app_name {
	uint64_t id;
	char *name;
};

struct app_typing {
	uint64_t chat_id, user_id;
	uint64_t until;		/* uv_now() */
};

struct app {
	uv_loop_t *loop;
	struct cloud *c;
	struct ui_tui *tui;
	struct secret_ui *sui;	/* the secret chats (ui/secret_ui.c) */
	struct privacy_ui *pui;	/* /block, /settings (ui/privacy_ui.c) */
	struct ui_model model;
	struct ui_settings cfg;
	char account[128];
	uint64_t self;

	struct ui_chat *chats;
	struct app_chatx *cx;
	size_t nchats;

	/* The open chat's window, oldest first; pending ones at the end. */
	uint64_t win_chat;
	struct ui_msg *msgs;
	struct app_msgx *mx;
	size_t n, cap;
	int win_all;		/* nothing older is left to load */
	int tail_cut;		/* newer messages were dropped (far up) */
	size_t view_skip;	/* newest ones below the screen (on_view) */

	struct app_name *names;
	size_t nnames, capnames;

	struct app_typing typing[APP_TYPING_MAX];
	size_t ntyping;
	char *typing_names[APP_TYPING_MAX];

	uint64_t virt_user;	/* the user of APP_VIRTUAL_ID, or 0 */
	char *virt_title;
	uint64_t pending_select;	/* a chat to open once listed */

	uv_timer_t tick, clock;
	uv_signal_t sig[3];		/* SIGTERM, SIGHUP, SIGINT */
	int open_handles;
	int need_reload, need_older, need_mark_read, ring, need_window;
	uint64_t notify_chat, notify_user;	/* the last one to announce */
	uint64_t typing_sent_at, typing_sent_chat;
	char note[256];
	uint64_t note_until;
	char conn_note[128];
	int was_online;
	int conn_err;			/* why the connection last went down */
	int stopped;			/* the engine gave up for good */
	int notifying;
	int ops;
	int dead;
	int status;

	/* Tab's words and the key help's lines, from the tables (app_cmd.c). */
	const char *words[APP_WORDS_MAX + 1];
	char help[APP_HELP_MAX][UI_CMD_HELP_COLS + 1];
	const char *helpp[APP_HELP_MAX];
	size_t nhelp;
};

/* app.c: notices, the loop turn's work, the end. */
char *app__strdup(const char *s);
/* A notice in the status line for a while. */
void app__note(struct app *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void app__kick(struct app *a);
void app__tui_gone(void *ud);

/* app_chats.c: names, the chat list, calls answered by a reload. */
const char *app__name(struct app *a, uint64_t id);
void app__name_forget(struct app *a, uint64_t id);
void app__chats_free(struct ui_chat *chats, struct app_chatx *cx, size_t n);
void app__presence_fetch(struct app *a, uint64_t chat_id);
void app__apply_typing(struct app *a);
void app__reload_chats(struct app *a);
const struct app_chatx *app__chatx(const struct app *a, uint64_t id);
int app__op_end(struct app *a);
void app__quiet_done(void *ud, int err, const char *why, uint64_t id);
void app__mark_read(struct app *a);

/* app_window.c: the open chat's messages and the TUI's callbacks. */
void app__msg_release(struct app_msgx *x);
void app__window_clear(struct app *a);
int app__msg_fill(struct app *a, struct ui_msg *m, struct app_msgx *x,
    const struct cloud_message *sm);
size_t app__window_find(const struct app *a, uint64_t id, int *found);
void app__window_remove(struct app *a, size_t i);
void app__window_add(struct app *a, const struct cloud_message *sm);
int app__load_page(struct app *a, uint64_t before_id);
void app__window_adjust(struct app *a);
void app__bind_window(struct app *a);
void app__open_window(struct app *a, uint64_t chat_id);
void app__on_submit(void *ud, uint64_t chat_id, const char *text);
void app__on_select(void *ud, uint64_t chat_id);
void app__on_quit(void *ud);
void app__on_edit(void *ud, uint64_t chat_id, const char *text);
void app__on_top(void *ud, uint64_t chat_id);
void app__on_view(void *ud, uint64_t chat_id, size_t skip);
int app__on_find(void *ud, uint64_t chat_id, const char *expr,
    struct ui_search *s);
size_t app__on_jump(void *ud, uint64_t chat_id, uint64_t id);

/* app_cmd.c: a line that starts with one /. */
void app__command(struct app *a, const char *text);
/* Hands the TUI the words Tab completes and the help's command lines. */
void app__commands_show(struct app *a);

/* notify.c: the user's notify command, with a chat's title. */
void app__notify(struct app *a, const char *title);

#endif
