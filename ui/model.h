/*
 * What the TUI shows, as plain data: the chats, a window of the current
 * chat's messages, the connection state and the account. Whoever fills it
 * (the glue between the client engine and the TUI, or a demo) owns every
 * pointer in it and keeps it alive and unchanged while a frame is being
 * computed; the UI only reads it, except model->current, which the TUI
 * sets when the user picks another chat.
 *
 * Strings are as they came from the network or another user: raw bytes,
 * NUL-terminated, not trusted. ui/view.c sanitises each of them before
 * anything else looks at it; nothing here needs to be clean.
 */
#ifndef SOTTO_UI_MODEL_H
#define SOTTO_UI_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Message flags. */
#define UI_MSG_OUT	0x01	/* sent by this account */
#define UI_MSG_PENDING	0x02	/* in the outbox, not yet accepted */
#define UI_MSG_READ	0x04	/* read by the other side (outgoing only) */
#define UI_MSG_EDITED	0x08
#define UI_MSG_SERVICE	0x10	/* "Alice created the group" and the like */
#define UI_MSG_FAILED	0x20	/* the server refused it */
#define UI_MSG_WARN	0x40	/* a loud warning line (a key change) */

struct ui_msg {
	uint64_t id;
	const char *sender;	/* display name; NULL: unknown */
	time_t date;		/* when it was sent */
	const char *text;	/* NULL is empty */
	unsigned flags;		/* UI_MSG_* */
	/* The message this one answers: reply_to 0 is none. */
	uint64_t reply_to;
	const char *reply_sender;	/* NULL when not loaded */
	const char *reply_text;		/* NULL when not loaded */
	/*
	 * Self-destruct (secret chats): expires, when nonzero, is when it
	 * disappears (the header counts down to it); else ttl, when nonzero,
	 * is its timer, not started yet (it starts when read).
	 */
	time_t expires;
	uint32_t ttl;
	/* A forward copy: who wrote the original ("Carol, @carol"); NULL. */
	const char *fwd_from;
};

/* Chat flags. */
#define UI_CHAT_SECRET	0x01	/* end-to-end encrypted: a lock mark */
#define UI_CHAT_GROUP	0x02

struct ui_chat {
	uint64_t id;		/* never 0 */
	const char *title;
	unsigned flags;		/* UI_CHAT_* */
	unsigned unread;
	time_t last_date;	/* of the newest message; orders the list */
	const char *preview_sender;	/* NULL: none shown */
	const char *preview;		/* the newest message's text */
	const char *typing;	/* who is typing now, or NULL */
	/* The loaded window of messages, oldest first (current chat only). */
	const struct ui_msg *msgs;
	size_t nmsgs;
	const char *timer;	/* a secret chat's self-destruct timer, "5s" */
	/* A private chat's peer: "last seen recently", its bio; or NULL. */
	const char *status;
	const char *bio;
};

enum ui_conn {
	UI_CONN_OFFLINE,
	UI_CONN_CONNECTING,
	UI_CONN_ONLINE,
};

struct ui_model {
	const struct ui_chat *chats;	/* in any order */
	size_t nchats;
	uint64_t current;	/* the open chat's id; 0: none */
	enum ui_conn conn;
	const char *account;	/* "@alice"; NULL: not logged in */
	const char *note;	/* a short notice for the status line, or NULL */
	int note_warn;		/* the note is a warning: drawn loud */
	uint64_t found;		/* a search hit shown highlighted */
};

#endif
