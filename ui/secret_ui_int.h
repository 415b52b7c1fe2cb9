/*
 * What the files of ui/secret_ui.c share (secret_ui.c, secret_ui_list.c,
 * secret_ui_window.c, secret_ui_cmd.c): the module's state and its sui__
 * internals. The rest of the program sees ui/secret_ui.h only.
 */
#ifndef SOTTO_UI_SECRET_UI_INT_H
#define SOTTO_UI_SECRET_UI_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "client/cloud.h"
#include "client/secret.h"
#include "ui/duration.h"
#include "ui/model.h"
#include "ui/secret_ui.h"

#define SUI_BASE	0xffffffff00000000ULL	/* our list ids start here */
#define SUI_CALL_MS	15000
#define SUI_CONFIRM_MS	10000	/* /close must come again this soon */
#define SUI_OV_MAX	64	/* overlay lines */
#define SUI_PAGE	100	/* messages read per page of the open chat */
#define SUI_WIN_MAX	1000	/* messages held, as ui/app.c holds */

/* A secret_id's list id, stable for the run. */
struct sui_map {
	uint64_t secret_id;
	uint64_t id;
};

/* What an entry of the list knows besides its struct ui_chat. */
struct sui_chat {
	struct secret_chat c;
	char *preview;
	char timer[UI_DURATION_LEN];
	int ghost;		/* closed by a key change; kept, warning */
};

/*
 * An identity key that changed, and the chat it closed: read from the
 * store (secret_warnings) on every reload, so that it outlives the run
 * until the user starts a new chat with the peer or dismisses it.
 */
struct sui_warn {
	uint64_t peer_user;
	uint64_t secret_id;
	time_t date;
	char *text;
};

struct secret_ui {
	struct cloud *c;
	struct secret *sec;
	struct secret_ui_host h;

	struct ui_chat *chats;
	struct sui_chat *sx;
	size_t n;

	struct sui_map *map;
	size_t nmap, capmap;

	struct sui_warn *warns;
	size_t nwarns;

	uint64_t open;		/* the open chat's list id, or 0 */
	struct ui_msg *msgs;
	char **texts;
	size_t nmsgs;
	int counting;
	/*
	 * The window of the open chat: its messages from lo up to the
	 * newest, or up to hi while tail_cut (newer ones were dropped, far
	 * up a long chat); nreal of them held, warnings not counted.
	 */
	uint64_t lo, hi;
	int tail_cut;
	size_t nreal;
	int more;		/* older ones than lo are left */
	size_t appended;	/* at the newest end by the last reload */

	char *ov[SUI_OV_MAX];	/* owned; NULL where memory ran out */
	const char *ovp[SUI_OV_MAX];	/* what the overlay shows */
	size_t nov;

	uint64_t confirm_id;	/* /close asked once for this chat ... */
	uint64_t confirm_until;	/* ... until then (uv_now) */

	int ops;		/* calls under way */
	int dead;		/* freed by the last one */
};

/* A call whose end only needs a reload, or a notice when it failed. */
struct sui_call {
	struct secret_ui *u;
	char what[96];		/* "cannot accept" */
	char ok[160];		/* said when it worked; "" says nothing */
	int select;		/* open the chat it names */
};


/* secret_ui.c: notices, ids, calls that end in a reload. */
void sui__note(struct secret_ui *u, int warn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The list id of secret_id (made on first sight); 0 when out of memory. */
uint64_t sui__id(struct secret_ui *u, uint64_t secret_id);
struct sui_chat *sui__entry(const struct secret_ui *u, uint64_t chat_id);
const char *sui__name(struct secret_ui *u, uint64_t user);
/* Counts a call that completes later; 1 when u is dead (then freed). */
int sui__op_end(struct secret_ui *u);
void sui__why(char *buf, size_t size, int err, const char *why);
void sui__call_done(void *ud, int err, const char *why, uint64_t id);
struct sui_call *sui__call(struct secret_ui *u, const char *what,
    const char *ok);
/* Starts a call through fn's return r: counts it or says why not. */
void sui__started(struct secret_ui *u, struct sui_call *k, int r);

/* secret_ui_list.c: the list's entries and the key-change warnings. */
char *sui__service_text(struct secret_ui *u,
    const struct secret_msg *m, uint64_t peer);
void sui__free_entries(struct ui_chat *chats, struct sui_chat *sx,
    size_t n);
/* The peer's name, sanitised, one line. */
void sui__clean_name(struct secret_ui *u, uint64_t user, char *name,
    size_t size);
void sui__warns_clear(struct secret_ui *u);

/* secret_ui_window.c: the open chat's messages. */
void sui__window_clear(struct secret_ui *u);
int sui__window_reload(struct secret_ui *u);
/* The id of the newest real message held; 0: none. */
uint64_t sui__window_newest(const struct secret_ui *u);
/* How many entries lie after the newest real message up to id. */
size_t sui__window_after(const struct secret_ui *u, uint64_t id);

/* secret_ui_cmd.c: the fingerprint overlay's lines. */
void sui__ov_clear(struct secret_ui *u);

#endif
