/*
 * The line editor's model: the text being composed, its cursor, and per
 * chat the input history and a draft. No curses here; the input layer turns key
 * presses into struct ui_key and the view draws ui_editor_text().
 *
 * The buffer always holds sanitised text (see ui/sanitize.h): whatever is
 * typed or pasted goes through the same rules as text from the network,
 * with line breaks kept. The cursor is a byte offset that always sits on
 * a cluster boundary, so a character and its combining marks move, and
 * are deleted, as one.
 */
#ifndef SOTTO_UI_EDITOR_H
#define SOTTO_UI_EDITOR_H

#include <stddef.h>
#include <stdint.h>

#define UI_EDITOR_MAX		16384	/* bytes of text at most */
#define UI_EDITOR_HISTORY	100	/* entries kept per chat */
#define UI_EDITOR_HISTORY_ALL	1000	/* entries kept in all */

struct ui_editor;

/* Keys the editor understands besides text. */
enum ui_keycode {
	UI_KEY_CHAR,		/* ch: a code point; 1..26 are Ctrl-A..Z */
	UI_KEY_ENTER,
	UI_KEY_BACKSPACE,
	UI_KEY_DELETE,
	UI_KEY_LEFT,
	UI_KEY_RIGHT,
	UI_KEY_UP,
	UI_KEY_DOWN,
	UI_KEY_HOME,
	UI_KEY_END,
};

struct ui_key {
	enum ui_keycode code;
	uint32_t ch;		/* for UI_KEY_CHAR */
	int alt;		/* pressed with Alt (ESC prefix) */
};

enum ui_ed_result {
	UI_ED_IGNORED,		/* not an editor key: the caller may use it */
	UI_ED_CHANGED,		/* text or cursor changed: redraw */
	UI_ED_SUBMIT,		/* Enter: take the text with ui_editor_submit */
};

/* Returns 0 and a new empty editor in *out, or ERR_NOMEM. */
int ui_editor_new(struct ui_editor **out);

/* Releases e and everything it holds. NULL is a no-op. */
void ui_editor_free(struct ui_editor *e);

/*
 * Handles one key: Ctrl-A/Home and Ctrl-E/End (start and end of the
 * line), Left/Right (one character), Alt-B/Alt-F (one word), Backspace,
 * Delete, Ctrl-K (kill to the end of the line), Ctrl-U (kill to its
 * start), Ctrl-W and Alt-Backspace (kill the word before the cursor),
 * Up/Down (a line up or down in multi-line text, else the history of
 * what was sent in this chat, see ui_editor_switch),
 * Alt-Enter (a line break), Enter (submit). Printable characters are
 * inserted. Never fails: a key that would exceed UI_EDITOR_MAX does
 * nothing.
 */
enum ui_ed_result ui_editor_key(struct ui_editor *e, const struct ui_key *k);

/*
 * Inserts len bytes at the cursor, sanitised (escape sequences and
 * controls removed, line breaks kept, tabs as four spaces), as a
 * bracketed paste delivers them: nothing in them is a command. Returns 0,
 * ERR_TOO_BIG (nothing inserted) or ERR_NOMEM.
 */
int ui_editor_paste(struct ui_editor *e, const char *s, size_t len);

/* The text (NUL-terminated, owned by e, valid until the next change). */
const char *ui_editor_text(const struct ui_editor *e, size_t *len);

/* The cursor as a byte offset into the text. */
size_t ui_editor_cursor(const struct ui_editor *e);

/*
 * Where the cursor is drawn: its line (0-based, counting '\n') and its
 * column in cells from the start of that line.
 */
void ui_editor_cursor_pos(const struct ui_editor *e, size_t *line,
    size_t *col);

/*
 * Takes the text for sending: returns 0 and a malloc()ed string in *out
 * (the caller frees it), adds it to the current chat's history (unless it
 * repeats that chat's last entry) and empties the editor;
 * ERR_NOT_FOUND when the text is empty or only white space (nothing is
 * taken); ERR_NOMEM.
 */
int ui_editor_submit(struct ui_editor *e, char **out);

/*
 * Switches to the chat chat_id: the current text and cursor are kept as
 * the draft of the chat that was current, and the draft of chat_id (or
 * nothing) is loaded; from then on Up/Down recall what was sent to
 * chat_id (the last UI_EDITOR_HISTORY entries of each chat, at most
 * UI_EDITOR_HISTORY_ALL in all, for the run). Returns 0 or ERR_NOMEM
 * (then nothing changed).
 */
int ui_editor_switch(struct ui_editor *e, uint64_t chat_id);

/* The current chat's id (0 before the first switch). */
uint64_t ui_editor_chat(const struct ui_editor *e);

/* Empties the text (the history and other drafts stay). */
void ui_editor_clear(struct ui_editor *e);

/*
 * A bracketed paste being received (ESC [ 200 ~ ... ESC [ 201 ~): its
 * code points are collected here, never run as keys, and go into an
 * editor whole when it ends. The end marker may never come (a terminal
 * or multiplexer that drops it, a connection cut mid-paste); paste mode
 * would then take every later key as text, Enter included, for good. So
 * a paste also ends when no input came for UI_PASTE_IDLE_MS: a paste
 * arrives in one burst, and half a second is far longer than the gaps
 * inside one and short enough for a user who waits for Enter to work.
 * No size ends it: the rest of a long paste would then arrive as keys,
 * its line breaks as Enter, which is what bracketed paste is there to
 * prevent. What is kept is bounded anyway by UI_EDITOR_MAX (16 KiB, what
 * a message of CLOUD_TEXT_MAX code points takes at most), and a longer
 * paste is refused whole when it ends. Times are the caller's clock in
 * milliseconds (uv_now), injected so that tests need no waiting.
 */
#define UI_PASTE_IDLE_MS	500

struct ui_paste;

/* Returns 0 and a new paste collector (not in a paste), or ERR_NOMEM. */
int ui_paste_new(struct ui_paste **out);

/* Releases p. NULL is a no-op. */
void ui_paste_free(struct ui_paste *p);

/* A paste begins at now (one under way starts again, empty). */
void ui_paste_begin(struct ui_paste *p, uint64_t now);

/* Whether a paste is under way. */
int ui_paste_on(const struct ui_paste *p);

/*
 * Adds code point cp (anything: it is sanitised when inserted), which
 * arrived at now. Past UI_EDITOR_MAX bytes the paste is marked too long.
 */
void ui_paste_add(struct ui_paste *p, uint32_t cp, uint64_t now);

/*
 * Milliseconds until the paste under way ends for want of input, at now;
 * 0 when it is over (end it with ui_paste_end) or none is under way.
 */
uint64_t ui_paste_idle_left(const struct ui_paste *p, uint64_t now);

/*
 * Ends the paste: its text goes into e at the cursor, as
 * ui_editor_paste() (e NULL: nowhere, e.g. no input line takes it).
 * Returns 0, ERR_TOO_BIG (longer than the editor takes: nothing
 * inserted), ERR_INVAL (e NULL) or ERR_NOMEM. Either way p is ready for
 * the next paste.
 */
int ui_paste_end(struct ui_paste *p, struct ui_editor *e);

#endif
