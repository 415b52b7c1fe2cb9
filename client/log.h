/*
 * The client's log: a file in the profile directory (sotto.log, mode
 * 0600), opened only once the profile is unlocked. Lines carry the
 * function and line that wrote them. Never log message text, passwords,
 * passphrases, keys, usernames or other profile data: the file is not
 * encrypted.
 */
#ifndef SOTTO_LOG_H
#define SOTTO_LOG_H

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
};

/*
 * Opens (creating with mode 0600, appending) the log at path; a log larger
 * than 1 MiB is first moved to path.old. Returns 0 or ERR_IO; until it
 * succeeds, log lines are dropped.
 */
int log_open(const char *path);
void log_close(void);

/* Lines below level are dropped; the default is LOG_LEVEL_INFO. */
void log_set_level(enum log_level level);

/* Writes one line; err, when nonzero, is an ERR_* whose text is appended. */
void log_emit(enum log_level level, const char *func, int line, int err,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define log_debug(...) \
	log_emit(LOG_LEVEL_DEBUG, __func__, __LINE__, 0, __VA_ARGS__)
#define log_info(...) \
	log_emit(LOG_LEVEL_INFO, __func__, __LINE__, 0, __VA_ARGS__)
#define log_warn(...) \
	log_emit(LOG_LEVEL_WARN, __func__, __LINE__, 0, __VA_ARGS__)
#define log_error(...) \
	log_emit(LOG_LEVEL_ERROR, __func__, __LINE__, 0, __VA_ARGS__)
/* The same, with the text of the ERR_* code err appended. */
#define log_warn_err(err, ...) \
	log_emit(LOG_LEVEL_WARN, __func__, __LINE__, (err), __VA_ARGS__)
#define log_error_err(err, ...) \
	log_emit(LOG_LEVEL_ERROR, __func__, __LINE__, (err), __VA_ARGS__)

#endif
