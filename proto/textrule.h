/*
 * The one rule of which code points may never be shown as they are: the
 * server refuses them in names and titles (server/srv_auth.c), the command
 * line drops them from what it prints (client/json.c) and the TUI drops
 * them or turns them into line breaks (ui/sanitize.c). Keeping the table
 * here, under all three, means they cannot disagree on what hides text.
 */
#ifndef SOTTO_TEXTRULE_H
#define SOTTO_TEXTRULE_H

#include <stdint.h>

enum textrule_kind {
	TEXTRULE_PLAIN = 0,	/* shown as it is */
	TEXTRULE_CONTROL,	/* C0 (tab and newline included), DEL, C1 */
	TEXTRULE_LINE_SEP,	/* U+2028 LINE and U+2029 PARAGRAPH SEPARATOR */
	TEXTRULE_BIDI,		/* Unicode's Bidi_Control set */
};

/* What code point cp is; TEXTRULE_PLAIN for everything not in the table. */
enum textrule_kind textrule_kind(uint32_t cp);

/*
 * A sentence saying why a name holding a code point of kind k is refused
 * ("the name holds ..."); NULL for TEXTRULE_PLAIN. Static, never freed.
 */
const char *textrule_why(enum textrule_kind k);

#endif
