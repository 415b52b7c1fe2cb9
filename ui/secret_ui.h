/*
 * Secret chats in the TUI: the glue between client/secret.h and the
 * model (ui/model.h), apart from ui/app.c, which owns the cloud chats and
 * calls in here through a few hooks.
 *
 * Each secret chat of this device (requested, pending, active) is one
 * entry of the chat list with an id of its own (secret_ui_owns()), never
 * a cloud chat's. The open secret chat holds a window of its messages,
 * which grows a page at a time (secret_ui_older) as the view reaches its
 * top and is kept near 1,000 messages around the screen
 * (secret_ui_trim), as a cloud chat's is. Events come
 * from secret_subscribe(), so the command line's listener (a scripted
 * command carried out through the control socket) keeps working.
 *
 * Strings handed to the model are raw as they came; the view sanitises
 * them. The fingerprint overlay is built here and sanitised here.
 */
#ifndef SOTTO_UI_SECRET_UI_H
#define SOTTO_UI_SECRET_UI_H

#include <stddef.h>
#include <stdint.h>

#include "client/cloud.h"
#include "ui/cmd.h"
#include "ui/model.h"

struct secret_ui;

/* What the app does for the secret chats; every hook is required. */
struct secret_ui_host {
	void *ud;
	/* The display name of user id, stable until the app ends. */
	const char *(*name)(void *ud, uint64_t user_id);
	/* A notice for the status line; warn draws it loud. */
	void (*note)(void *ud, int warn, const char *text);
	/* Something changed: reload the chat list on the next turn. */
	void (*changed)(void *ud);
	/* Open chat_id once the list holds it. */
	void (*select)(void *ud, uint64_t chat_id);
	/*
	 * A message from the peer in chat_id: mark it read when open, else
	 * ring and notify ("New secret message", never its text or name).
	 */
	void (*incoming)(void *ud, uint64_t chat_id);
	/* Shows lines in an overlay (they stay valid until the next call). */
	void (*overlay)(void *ud, const char *const *lines, size_t n);
	/* The chat the user has open, or 0. */
	uint64_t (*current)(void *ud);
};

/*
 * Subscribes to c's secret chats. h is copied. Returns 0 or ERR_NOMEM.
 */
int secret_ui_new(struct secret_ui **out, struct cloud *c,
    const struct secret_ui_host *h);

/*
 * Unsubscribes and releases u; calls still under way complete into a
 * shell that is freed by the last one. NULL is a no-op.
 */
void secret_ui_free(struct secret_ui *u);

/* Whether chat_id names a secret chat's list entry. */
int secret_ui_owns(uint64_t chat_id);

/*
 * Reads the secret chats again (and the open one's messages). The
 * entries and every string in them stay valid until the next reload.
 * Returns 0 or an ERR_* (the old entries stay).
 */
int secret_ui_reload(struct secret_ui *u);

/* The entries of the last reload. */
const struct ui_chat *secret_ui_chats(const struct secret_ui *u, size_t *n);

/* chat_id is open now (0, or a cloud chat: none of ours). */
void secret_ui_open(struct secret_ui *u, uint64_t chat_id);

/*
 * The view showed the oldest loaded message of chat_id: when older ones
 * are left, the window grows by a page (read now). Returns 1 when it did
 * (bind the model again, see secret_ui_bind), else 0.
 */
int secret_ui_older(struct secret_ui *u, uint64_t chat_id);

/*
 * Keeps the open chat's window near SUI_WIN_MAX (1000) messages around
 * the screen as ui/app.c keeps a cloud chat's (ui_view_trim): skip is
 * how many of its newest entries lie below the screen. Far up, the
 * newest ones well below are dropped and read again on the way down;
 * near the newest, the oldest ones well above. Returns how many entries
 * were added (> 0) or removed (< 0) at the newest end, for
 * ui_tui_skip_adjust; bind the model again when anything changed.
 * secret_ui_trim_due says whether it has anything to do.
 */
long secret_ui_trim(struct secret_ui *u, uint64_t chat_id, size_t skip);
int secret_ui_trim_due(const struct secret_ui *u, uint64_t chat_id,
    size_t skip);

/*
 * How many entries the last reload added at the newest end of the open
 * chat's window (then 0 until the next reload), for ui_tui_msg_added:
 * a view scrolled up keeps its place when a secret message arrives.
 */
size_t secret_ui_appended(struct secret_ui *u);

/* Points the open secret chat's entry in chats at its messages. */
void secret_ui_bind(const struct secret_ui *u, struct ui_chat *chats,
    size_t n);

/* Marks the open chat's received messages read: their timers start. */
void secret_ui_mark_read(struct secret_ui *u, uint64_t chat_id);

/* Sends text in secret chat chat_id. */
void secret_ui_send(struct secret_ui *u, uint64_t chat_id, const char *text);

/*
 * The secret chats' commands (ui/cmd.h): /secret PEER [TTL], and for the
 * open chat (host->current) /accept, /decline, /ttl, /verify and /close
 * (or /secret-close). Their ud is the struct secret_ui.
 */
extern const struct ui_cmd secret_ui_cmds[];

/* Whether the open chat shows a countdown (redraw every second). */
int secret_ui_counting(const struct secret_ui *u);

#endif
