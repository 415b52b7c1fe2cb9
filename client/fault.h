/*
 * Local faults named for what they are: a damaged database, a file or
 * directory that cannot be read or written, a full disk. The command
 * line (client/cli.c while opening the profile, client/cmd.c while an
 * action runs) says each in one sentence with the path and an exit
 * status of its own (doc/CLI.md, "Local faults").
 */
#ifndef SOTTO_FAULT_H
#define SOTTO_FAULT_H

#include <stddef.h>

/*
 * When err is ERR_DAMAGED, ERR_ACCESS, ERR_READ_ONLY or ERR_NO_SPACE,
 * writes the sentence about path (NULL or "": the profile) into buf and
 * returns the sysexits status (65, 66, 73, 74); else returns 0 and buf
 * is "". buf is always NUL-terminated.
 */
int fault_describe(int err, const char *path, char *buf, size_t cap);

#endif
