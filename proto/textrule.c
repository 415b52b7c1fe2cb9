/*
 * Bidi_Control is the Unicode property (PropList.txt, unchanged since
 * Unicode 6.3): ALM U+061C, LRM and RLM U+200E-200F, the embeddings and
 * overrides U+202A-202E and the isolates U+2066-2069. Any of them lets
 * one user's text reorder the characters around it on another user's
 * screen (a name that shows as someone else's, a title that reverses the
 * line); the separators U+2028 and U+2029 break a line where a terminal
 * that does not know them draws nothing, or one that does starts a line
 * no one expects in a name.
 */
#include "proto/textrule.h"

#include <stddef.h>

static const struct {
	uint32_t lo, hi;
	enum textrule_kind kind;
} textrule_table[] = {
	{ 0x0000, 0x001f, TEXTRULE_CONTROL },
	{ 0x007f, 0x009f, TEXTRULE_CONTROL },
	{ 0x061c, 0x061c, TEXTRULE_BIDI },
	{ 0x200e, 0x200f, TEXTRULE_BIDI },
	{ 0x2028, 0x2029, TEXTRULE_LINE_SEP },
	{ 0x202a, 0x202e, TEXTRULE_BIDI },
	{ 0x2066, 0x2069, TEXTRULE_BIDI },
};

enum textrule_kind
textrule_kind(uint32_t cp)
{
	size_t i;

	/* Everything at or above U+2070 is plain: the common case is quick. */
	if (cp > 0x2069)
		return TEXTRULE_PLAIN;
	for (i = 0; i < sizeof(textrule_table) / sizeof(textrule_table[0]);
	    i++)
		if (cp >= textrule_table[i].lo && cp <= textrule_table[i].hi)
			return textrule_table[i].kind;
	return TEXTRULE_PLAIN;
}

const char *
textrule_why(enum textrule_kind k)
{
	switch (k) {
	case TEXTRULE_CONTROL:
		return "the name holds control characters";
	case TEXTRULE_LINE_SEP:
		return "the name holds a line or paragraph separator "
		    "(U+2028, U+2029)";
	case TEXTRULE_BIDI:
		return "the name holds a bidirectional control (U+061C, "
		    "U+200E, U+200F, U+202A-U+202E, U+2066-U+2069)";
	default:
		return NULL;
	}
}
