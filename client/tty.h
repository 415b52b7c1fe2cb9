/*
 * Reading secrets: a passphrase or a password, typed on the controlling
 * terminal with echo off, or the first line of a file. Secrets are never
 * taken from the command line or the environment, where other users and
 * shell histories can see them.
 *
 * Secrets are returned NUL-terminated in sec_alloc()ed memory; the caller
 * owns them and releases them with sec_free(), which wipes.
 */
#ifndef SOTTO_TTY_H
#define SOTTO_TTY_H

#include <stddef.h>

#define TTY_SECRET_MAX 1024	/* longest secret, in bytes */

/*
 * Reads the first line of the file at path, without its one trailing
 * newline. Returns 0 and sets *out and *len; ERR_IO when the file cannot be read
 * (errno kept), ERR_TOO_BIG when the line is longer than TTY_SECRET_MAX.
 */
int tty_read_file(const char *path, char **out, size_t *len);

/*
 * Prompts on /dev/tty with echo off and reads one line. With confirm set,
 * asks a second time with confirm as the prompt and retries (three times
 * at most) until both agree. The terminal is restored before returning,
 * also when a signal interrupts the prompt (the signal is then delivered
 * once the terminal is back). Returns 0; ERR_NOT_FOUND when there is no
 * terminal; ERR_INVAL when the answers never agreed; ERR_TOO_BIG; ERR_IO.
 */
int tty_prompt(const char *prompt, const char *confirm, char **out,
    size_t *len);

/* Whether a terminal can be prompted (/dev/tty opens). */
int tty_available(void);

#endif
