/*
 * Searching the open chat (Ctrl-F): the search's model, apart from
 * drawing (STYLE.md) and from the engine. It holds the query being
 * typed, the hits the caller found for it, which hit is picked, and
 * computes the lines to show: the input line ("search: ..."), the title
 * over the hits and the list of hits. No curses and no store here; the
 * TUI (ui/tui.c) feeds it keys and the caller (ui/app.c) the hits.
 *
 * States: PROMPT (the query is being typed; the messages show as
 * usual), RESULTS (the hits replace the messages), SHOWN (the message
 * view was moved to the picked hit; n/N step to the next ones).
 *
 * The query syntax (doc/TUI.md): words, all of which a message must
 * contain, in any order and case (ASCII letters fold; other letters
 * match as typed); a word ending in * matches as a prefix; "two words"
 * in double quotes match as a phrase. Nothing else is an operator:
 * OR, NOT, NEAR, -, (, ) and column: are words or separators like any
 * other, so whatever the user types makes a valid FTS4 expression and
 * never an SQL error.
 */
#ifndef SOTTO_UI_SEARCH_H
#define SOTTO_UI_SEARCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ui/editor.h"
#include "ui/view.h"

#define UI_SEARCH_QUERY_MAX	256	/* bytes of query */
#define UI_SEARCH_TERMS_MAX	16	/* words and phrases */
#define UI_SEARCH_MATCH_MAX	1024	/* bytes of FTS4 expression */
#define UI_SEARCH_HITS_MAX	200	/* hits kept (the newest) */

struct ui_search;

enum ui_search_state {
	UI_SEARCH_OFF,
	UI_SEARCH_PROMPT,
	UI_SEARCH_RESULTS,
	UI_SEARCH_SHOWN,
};

/* What a key asks the caller to do. */
enum ui_search_action {
	UI_SA_NONE,		/* nothing (the key was not the search's) */
	UI_SA_CHANGED,		/* redraw */
	UI_SA_RUN,		/* search: ui_search_match(), then add hits */
	UI_SA_JUMP,		/* show the picked hit (ui_search_picked) */
	UI_SA_STAY,		/* leave the search, the view staying */
	UI_SA_CANCEL,		/* leave the search, the view back */
};

/*
 * Turns the user's query into an FTS4 MATCH expression in out (cap
 * bytes): each word or phrase becomes a double-quoted phrase of its
 * tokens (as FTS4's simple tokenizer cuts them: runs of ASCII letters
 * and digits and of non-ASCII characters), lower-cased, "*" kept after a
 * last token. Returns 0; ERR_INVAL when the query holds no word;
 * ERR_TOO_BIG when out is too small or there are more than
 * UI_SEARCH_TERMS_MAX words and phrases.
 */
int ui_search_match(const char *query, char *out, size_t cap);

/* Returns 0 and a new search (off) in *out, or ERR_NOMEM. */
int ui_search_new(struct ui_search **out);
void ui_search_free(struct ui_search *s);	/* NULL is fine */

/* Starts a search of chat_id: PROMPT, with an empty query. */
void ui_search_begin(struct ui_search *s, uint64_t chat_id);
/* Back to typing the query (kept) after RESULTS or SHOWN. */
void ui_search_edit(struct ui_search *s);
/* The picked hit is shown in the message view now (SHOWN). */
void ui_search_shown(struct ui_search *s);
/* Ends the search (OFF); the hits are dropped. */
void ui_search_end(struct ui_search *s);

enum ui_search_state ui_search_state(const struct ui_search *s);
uint64_t ui_search_chat(const struct ui_search *s);

/* The query being typed (its editor), for pastes. */
struct ui_editor *ui_search_editor(struct ui_search *s);

/*
 * Handles a key: in PROMPT the editor's keys edit the query and Enter
 * runs it (UI_SA_RUN); in RESULTS Up/Down, Ctrl-P/Ctrl-N and N/n pick
 * the previous/next hit and Enter shows it (UI_SA_JUMP), Backspace edits
 * the query again; in SHOWN Up/Down and N/n show the previous/next hit
 * (UI_SA_JUMP) and Enter stays there (UI_SA_STAY). Esc, Ctrl-F and
 * paging are the caller's (UI_SA_CANCEL is never returned here).
 */
enum ui_search_action ui_search_key(struct ui_search *s,
    const struct ui_key *k);

/* Moves the pick by delta hits (clamped) in RESULTS. */
void ui_search_move(struct ui_search *s, long delta);

/*
 * Hits, newest first as the caller finds them: ui_search_clear, then
 * ui_search_add per message (strings are copied; sender and text are
 * raw, sanitised when drawn), then ui_search_done with 0 or the error
 * that stopped the search. ui_search_add returns 0, ERR_NOMEM, or
 * ERR_TOO_BIG once UI_SEARCH_HITS_MAX are held (nothing added).
 */
void ui_search_clear(struct ui_search *s);
/*
 * The query is being run: until ui_search_done, the lines say
 * "searching..." (the first search after many messages arrived indexes
 * them, which takes a while).
 */
void ui_search_running(struct ui_search *s);
int ui_search_add(struct ui_search *s, uint64_t id, const char *sender,
    time_t date, const char *text);
void ui_search_done(struct ui_search *s, int err);

size_t ui_search_count(const struct ui_search *s);
/* The picked hit's index and message id (0 when there is none). */
size_t ui_search_pick(const struct ui_search *s);
uint64_t ui_search_picked(const struct ui_search *s);

/*
 * The lines: the input line (the query with the cursor in PROMPT, else
 * the query, which hit of how many, and the keys); the title over the
 * hits; the hits, two lines each (date and sender; the text, cut around
 * its first match, the matched words in UI_ST_UNREAD), the picked one
 * selected and scrolled into view, or one line saying why there are
 * none. Return 0 or ERR_NOMEM.
 */
int ui_search_view_input(const struct ui_search *s, size_t width,
    struct ui_vlines *out, size_t *cursor_x);
int ui_search_view_title(const struct ui_search *s, size_t width,
    struct ui_vlines *out);
int ui_search_view_hits(const struct ui_search *s, size_t width,
    size_t height, const struct ui_clock *clk, struct ui_vlines *out);

#endif
