/*
 * Profiles on disk. The kdf file is written before the database (to a
 * temporary name, then renamed, so a crash never leaves half a file), and
 * both are removed again if the database cannot be made: a profile either
 * exists whole or not at all.
 */
#include "client/profile.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "crypto/sec.h"
#include "crypto/vault.h"
#include "lib/err.h"

/* malloc()ed "a/b" (b may be NULL: a copy of a). */
static char *
profile_join(const char *a, const char *b)
{
	size_t n = strlen(a) + (b != NULL ? strlen(b) + 1 : 0) + 1;
	char *p;

	if ((p = malloc(n)) == NULL)
		return NULL;
	if (b != NULL)
		snprintf(p, n, "%s/%s", a, b);
	else
		snprintf(p, n, "%s", a);
	return p;
}

/* The ERR_* of errno after a failed write: space, read-only, access. */
static int
profile_errno(void)
{
	switch (errno) {
	case ENOSPC:
	case EDQUOT:
		return ERR_NO_SPACE;
	case EROFS:
		return ERR_READ_ONLY;
	case EACCES:
	case EPERM:
		return ERR_ACCESS;
	default:
		return ERR_IO;
	}
}

int
profile_name_valid(const char *name)
{
	size_t i, n;

	if (name == NULL || (n = strlen(name)) == 0 || n > PROFILE_NAME_MAX ||
	    name[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if ((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '.' || name[i] == '_' || name[i] == '-')
			continue;
		return 0;
	}
	return 1;
}

/* The data home: $XDG_DATA_HOME when absolute, else ~/.local/share. */
static char *
profile_data_home(void)
{
	const char *x = getenv("XDG_DATA_HOME");
	const char *home;
	struct passwd *pw;

	/* The XDG spec says relative values are to be ignored. */
	if (x != NULL && x[0] == '/')
		return profile_join(x, NULL);
	if ((home = getenv("HOME")) == NULL || home[0] != '/') {
		if ((pw = getpwuid(getuid())) == NULL || pw->pw_dir == NULL ||
		    pw->pw_dir[0] != '/')
			return NULL;
		home = pw->pw_dir;
	}
	return profile_join(home, ".local/share");
}

void
profile_close(struct profile *p)
{
	store_close(p->store);
	free(p->dir);
	free(p->db_path);
	free(p->kdf_path);
	free(p->log_path);
	memset(p, 0, sizeof(*p));
}

int
profile_init(struct profile *p, const char *name)
{
	char *base = NULL, *top = NULL;
	int r = ERR_NOMEM;

	memset(p, 0, sizeof(*p));
	if (!profile_name_valid(name))
		return ERR_INVAL;
	snprintf(p->name, sizeof(p->name), "%s", name);
	if ((base = profile_data_home()) == NULL) {
		r = errno == ENOMEM ? ERR_NOMEM : ERR_NOT_FOUND;
		goto out;
	}
	if ((top = profile_join(base, "sotto")) == NULL ||
	    (p->dir = profile_join(top, name)) == NULL ||
	    (p->db_path = profile_join(p->dir, "sotto.db")) == NULL ||
	    (p->kdf_path = profile_join(p->dir, "sotto.kdf")) == NULL ||
	    (p->log_path = profile_join(p->dir, "sotto.log")) == NULL)
		goto out;
	r = 0;
out:
	free(base);
	free(top);
	if (r != 0)
		profile_close(p);
	return r;
}

enum profile_state
profile_state(const struct profile *p)
{
	struct stat st;

	if (stat(p->db_path, &st) == -1)
		return errno == EACCES ? PROFILE_DENIED : PROFILE_ABSENT;
	if (stat(p->kdf_path, &st) == -1)
		return PROFILE_NO_KDF;
	return PROFILE_PRESENT;
}

/* mkdir -p with mode 0700 for every directory it makes. */
static int
profile_mkdirs(const char *path)
{
	char *p, *s, c;
	int r = 0;

	if ((p = profile_join(path, NULL)) == NULL)
		return ERR_NOMEM;
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST) {
			r = profile_errno();
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return r;
}

/* Writes the kdf file through a temporary name and a rename. */
static int
profile_write_kdf(const struct profile *p, const struct vault_params *vp)
{
	char text[VAULT_PARAMS_TEXT_MAX], *tmp;
	size_t len, off = 0;
	ssize_t w;
	int fd = -1, r;

	if ((r = vault_params_encode(vp, text, sizeof(text))) != 0)
		return r;
	len = strlen(text);
	if ((tmp = malloc(strlen(p->kdf_path) + sizeof(".tmp"))) == NULL)
		return ERR_NOMEM;
	snprintf(tmp, strlen(p->kdf_path) + sizeof(".tmp"), "%s.tmp",
	    p->kdf_path);
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		r = profile_errno();
		goto out;
	}
	while (off < len) {
		if ((w = write(fd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			r = profile_errno();
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		r = profile_errno();
		goto out;
	}
	fd = -1;
	if (rename(tmp, p->kdf_path) == -1) {
		r = profile_errno();
		goto out;
	}
	r = 0;
out:
	if (fd != -1)
		close(fd);
	if (r != 0)
		(void)unlink(tmp);
	free(tmp);
	return r;
}

/* Reads and parses the kdf file. ERR_INVAL when missing or damaged. */
static int
profile_read_kdf(const struct profile *p, struct vault_params *vp)
{
	char text[VAULT_PARAMS_TEXT_MAX + 1];
	size_t len = 0;
	ssize_t n = 0;
	int fd, r;

	if ((fd = open(p->kdf_path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? ERR_INVAL : errno == EACCES ?
		    ERR_ACCESS : ERR_IO;
	while (len < sizeof(text)) {
		n = read(fd, text + len, sizeof(text) - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (n == -1)
		return ERR_IO;
	if (len > VAULT_PARAMS_TEXT_MAX)
		return ERR_INVAL;
	r = vault_params_decode(vp, text, len);
	return r != 0 ? ERR_INVAL : 0;
}

/* Derives the key (sec_alloc()ed, the caller frees it) from vp. */
static int
profile_derive(uint8_t **key, const struct vault_params *vp,
    const char *passphrase, size_t len)
{
	int r;

	if ((*key = sec_alloc(VAULT_KEY_LEN)) == NULL)
		return ERR_NOMEM;
	if ((r = vault_derive(*key, passphrase, len, vp)) != 0) {
		sec_free(*key);
		*key = NULL;
	}
	return r;
}

/* ERR_ACCESS or ERR_READ_ONLY for an errno of access(2), else 0. */
static int
profile_access_err(int e, int writing)
{
	if (e == EROFS || (writing && (e == EACCES || e == EPERM)))
		return ERR_READ_ONLY;
	if (e == EACCES || e == EPERM)
		return ERR_ACCESS;
	return 0;
}

/*
 * The database must be readable, and it, its -wal and -shm files (when
 * there) and the directory must be writable: SQLite writes the -shm file
 * and makes the -wal file even to read a WAL database, and a write that
 * fails half-way through a command is what this check spares the user.
 */
static int
profile_check_access(struct profile *p)
{
	char path[4096];
	int r;

	p->fault = p->db_path;
	if (access(p->db_path, R_OK) == -1 &&
	    (r = profile_access_err(errno, 0)) != 0)
		return r;
	if (access(p->db_path, W_OK) == -1 &&
	    (r = profile_access_err(errno, 1)) != 0)
		return r;
	p->fault = p->dir;
	if (access(p->dir, W_OK) == -1 &&
	    (r = profile_access_err(errno, 1)) != 0)
		return r;
	snprintf(path, sizeof(path), "%s-wal", p->db_path);
	if (access(path, W_OK) == -1 && errno != ENOENT &&
	    (r = profile_access_err(errno, 1)) != 0)
		return r;
	snprintf(path, sizeof(path), "%s-shm", p->db_path);
	if (access(path, W_OK) == -1 && errno != ENOENT &&
	    (r = profile_access_err(errno, 1)) != 0)
		return r;
	p->fault = NULL;
	return 0;
}

/* Removes what a failed creation made (never an older database). */
static void
profile_remove_new(const struct profile *p)
{
	static const char *const suffixes[] = { "", "-wal", "-shm",
	    "-journal" };
	char path[4096];
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", p->db_path, suffixes[i]);
		(void)unlink(path);
	}
	(void)unlink(p->kdf_path);
}

int
profile_create(struct profile *p, const char *passphrase, size_t len)
{
	struct vault_params vp;
	struct stat st;
	uint8_t *key = NULL;
	int r;

	if (stat(p->db_path, &st) == 0)
		return ERR_EXISTS;
	if ((r = profile_mkdirs(p->dir)) != 0)
		return r;
	if (chmod(p->dir, 0700) == -1)
		return ERR_IO;
	vault_params_new(&vp);
	if ((r = profile_derive(&key, &vp, passphrase, len)) != 0)
		goto out;
	vault_set_check(&vp, key);
	p->fault = p->kdf_path;
	if ((r = profile_write_kdf(p, &vp)) != 0)
		goto out;
	p->fault = p->db_path;
	if ((r = store_open(&p->store, p->db_path, key, 1)) != 0)
		goto out;
	p->fault = NULL;
	log_info("profile created");
out:
	if (r != 0) {
		store_close(p->store);
		p->store = NULL;
		profile_remove_new(p);
	}
	sec_free(key);
	sec_wipe(&vp, sizeof(vp));
	return r;
}

/*
 * Opens the store with key once the check value (when there is one) has
 * matched: a first page that does not open is then damage, not a wrong
 * passphrase.
 */
static int
profile_open_checked(struct profile *p, const uint8_t *key, int checked)
{
	int r;

	p->fault = p->db_path;
	r = store_open(&p->store, p->db_path, key, 0);
	if (r == ERR_BAD_PASSPHRASE && checked)
		r = ERR_DAMAGED;
	if (r == 0)
		p->fault = NULL;
	return r;
}

int
profile_unlock(struct profile *p, const char *passphrase, size_t len)
{
	struct vault_params vp;
	struct stat st;
	uint8_t *key = NULL;
	int r, check;

	p->fault = p->dir;
	if (stat(p->db_path, &st) == -1)
		return errno == ENOENT ? ERR_NOT_FOUND : errno == EACCES ?
		    ERR_ACCESS : ERR_IO;
	p->fault = p->kdf_path;
	if ((r = profile_read_kdf(p, &vp)) != 0)
		return r;
	if ((r = profile_check_access(p)) != 0)
		goto out;
	if ((r = profile_derive(&key, &vp, passphrase, len)) != 0)
		goto out;
	p->unchecked = (check = vault_check(&vp, key)) == -1;
	if (check == 0) {
		r = ERR_BAD_PASSPHRASE;	/* SQLCipher is not even asked */
		goto out;
	}
	if ((r = profile_open_checked(p, key, check == 1)) != 0)
		goto out;
	if (check == -1) {
		/* Made before the check value: this good unlock adds it. */
		vault_set_check(&vp, key);
		if (profile_write_kdf(p, &vp) != 0)
			log_warn("cannot add the key check to the kdf file");
	}
out:
	sec_free(key);
	sec_wipe(&vp, sizeof(vp));
	return r;
}
