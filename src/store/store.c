/*
 * store.c - the top floor of src/store: opening and closing the store and
 * its pragmas. The plumbing the other files share (statement cache,
 * errors, binding, transactions) is in store-util.c, the bottom floor.
 *
 * Pragmas, and why:
 *   journal_mode=WAL     the UI reads while the sync worker writes
 *   synchronous=FULL     WAL syncs at every commit, so a committed POP3
 *                        message survives a power cut before we send DELE
 *                        (NORMAL only syncs at checkpoints; opt-in with
 *                        STORE_SYNC_NORMAL where every write can be redone)
 *   foreign_keys=ON      per connection; the cascades from folder to message
 *                        to body and FTS rely on it
 *   busy_timeout         a second writer (posta sync from the CLI while the
 *                        TUI's worker runs) waits instead of failing
 *   DEFENSIVE            no writable_schema or shadow-table writes that
 *                        could corrupt the file from SQL
 *
 * trusted_schema stays at its default (ON): SQLite 3.40 does not count FTS5
 * as innocuous, so OFF would forbid the triggers that keep message_fts in
 * step with message. The file is the user's own (0600 in a 0700 directory);
 * whoever can plant a schema in it can already read and change the mail.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store-int.h"
#include "util/i18n.h"

/* How long a connection waits for another one's lock. */
#define STORE_BUSY_MS	10000

/* ---- opening ------------------------------------------------------------ */

/* Create the directories above path (mode 0700), like mkdir -p. */
static int
make_parents(const char *path, struct perr *err)
{
	char	*dir, *p;
	int	 rc = 0;

	dir = xstrdup(path);
	if ((p = strrchr(dir, '/')) == NULL || p == dir) {
		free(dir);
		return 0;
	}
	*p = '\0';
	for (p = dir + 1; rc == 0; p++) {
		char	c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			rc = perr_set(err, PERR_IO,
			    _("%s: cannot create directory %s: %s"), path, dir,
			    strerror(errno));
		*p = c;
		if (c == '\0')
			break;
	}
	free(dir);
	return rc;
}

/*
 * Create an empty file 0600 ourselves: SQLite would create it 0644, and the
 * WAL and shared-memory files copy the database file's mode.
 */
static int
make_file(const char *path, struct perr *err)
{
	int	fd;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		if (errno == EEXIST)
			return 0;
		return perr_set(err, PERR_IO, _("%s: cannot create: %s"), path,
		    strerror(errno));
	}
	if (close(fd) == -1)
		return perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
	return 0;
}

/*
 * The first read of the file: this is where a file that is not a database
 * at all is found, so say it in words a user understands.
 */
static int
probe(struct store *s, struct perr *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master",
	    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK) {
		if ((rc & 0xff) == SQLITE_NOTADB)
			perr_set(err, PERR_STORE, _("%s: not an SQLite "
			    "database, so not a posta store"), s->path);
		else
			perr_set(err, PERR_STORE, _("%s: cannot read: %s"),
			    s->path, sqlite3_errmsg(s->db));
	}
	(void)sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : -1;
}

/*
 * A sync's settings (see store.h). The page cache holds what one batch
 * dirties at 100,000 messages: a batch of 2,000 headers touches most
 * leaves of the indexes with random keys (message-id, sender, subject,
 * size), about 24 MB there, which a 2 MB cache spilled to the WAL and
 * read back again in the middle of the transaction. The WAL may grow to
 * STORE_BULK_WAL pages between automatic checkpoints, so a page that
 * several batches write (index leaves, b-tree interiors, the search
 * index's structure and merged segments) is copied into the file once,
 * not once per 1,000 pages written.
 */
#define STORE_BULK_CACHE	"PRAGMA cache_size=-32768"	/* KiB: 32 MB */
#define STORE_BULK_WAL		"PRAGMA wal_autocheckpoint=8192" /* 32 MB */
/* SQLite's defaults, which every other connection keeps. */
#define STORE_PLAIN_CACHE	"PRAGMA cache_size=-2000"
#define STORE_PLAIN_WAL		"PRAGMA wal_autocheckpoint=1000"

int
store_bulk_begin(struct store *s, struct perr *err)
{
	if (s->flags & STORE_RDONLY)
		return 0;
	if (store_exec(s, STORE_BULK_CACHE, "cache_size", err) == -1 ||
	    store_exec(s, STORE_BULK_WAL, "wal_autocheckpoint", err) == -1)
		return -1;
	s->bulk = true;
	return 0;
}

int
store_bulk_end(struct store *s, struct perr *err)
{
	if (!s->bulk)
		return 0;
	s->bulk = false;
	if (store_exec(s, STORE_PLAIN_CACHE, "cache_size", err) == -1 ||
	    store_exec(s, STORE_PLAIN_WAL, "wal_autocheckpoint", err) == -1)
		return -1;
	/*
	 * What the larger WAL holds goes into the file now, without
	 * waiting for readers (PASSIVE: a reader's snapshot only stops
	 * it short); the next writer's automatic checkpoint does the rest.
	 */
	if (s->depth > 0)
		return 0;
	if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL) != SQLITE_OK)
		return store_sqlerr(s, "wal_checkpoint", err);
	return 0;
}

int
store_data_version(struct store *s, int64_t *version, struct perr *err)
{
	static const char	 sql[] = "PRAGMA data_version";
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		store_sqlerr(s, "data_version", err);
		store_stmt_done(s, st);
		return -1;
	}
	*version = sqlite3_column_int64(st, 0);
	store_stmt_done(s, st);
	return 0;
}

static int
set_wal(struct store *s, struct perr *err)
{
	sqlite3_stmt	*st;
	const char	*mode;
	int		 rc = -1;

	int		 step, waited;

	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st,
	    NULL) != SQLITE_OK)
		return store_sqlerr(s, "journal_mode", err);
	/*
	 * Two processes (or two account workers) opening a new store at once:
	 * turning WAL on needs a lock SQLite will not wait for through the
	 * busy handler (it could deadlock), so the BUSY is waited out here,
	 * for as long as the busy handler would wait.
	 */
	for (waited = 0; (step = sqlite3_step(st)) != SQLITE_ROW &&
	    (step & 0xff) == SQLITE_BUSY && waited < STORE_BUSY_MS;
	    waited += 10) {
		(void)sqlite3_reset(st);
		(void)usleep(10 * 1000);
	}
	if (step != SQLITE_ROW)
		store_sqlerr(s, "journal_mode", err);
	else if ((mode = store_col_text(st, 0)) == NULL ||
	    strcmp(mode, "wal") != 0)
		/* e.g. a file system without shared memory */
		perr_set(err, PERR_STORE, _("%s: cannot use WAL mode (got %s)"),
		    s->path, mode != NULL ? mode : "nothing");
	else
		rc = 0;
	(void)sqlite3_finalize(st);
	return rc;
}

static int
configure(struct store *s, struct perr *err)
{
	int	on;

	if (sqlite3_extended_result_codes(s->db, 1) != SQLITE_OK ||
	    sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on) !=
	    SQLITE_OK ||
	    sqlite3_busy_timeout(s->db, STORE_BUSY_MS) != SQLITE_OK)
		return store_sqlerr(s, N_("configure"), err);
	if (probe(s, err) == -1 || store_find_register(s, err) == -1)
		return -1;
	if (store_exec(s, "PRAGMA foreign_keys=ON", "foreign_keys", err) == -1)
		return -1;
	if (s->flags & STORE_RDONLY)
		return 0;
	if (set_wal(s, err) == -1)
		return -1;
	/*
	 * Statement journals (an INSERT ... ON CONFLICT with the FTS trigger
	 * needs one per row) go to memory, not to a temporary file: about 20
	 * writes saved per message inserted, and nothing durable lives there.
	 */
	if (store_exec(s, "PRAGMA temp_store=MEMORY", "temp_store", err) == -1 ||
	    store_index_prepare(s, err) == -1)
		return -1;
	return store_exec(s, (s->flags & STORE_SYNC_NORMAL) ?
	    "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL",
	    "synchronous", err);
}

struct store *
store_open(const char *path, int flags, struct perr *err)
{
	struct store	*s;
	struct stat	 sb;
	int		 oflags, rc;

	if (flags & STORE_RDONLY) {
		if (stat(path, &sb) == -1) {
			perr_set(err, errno == ENOENT ? PERR_NOTFOUND : PERR_IO,
			    _("%s: cannot open the store read-only: %s"), path,
			    strerror(errno));
			return NULL;
		}
		oflags = SQLITE_OPEN_READONLY;
	} else {
		if (make_parents(path, err) == -1 || make_file(path, err) == -1)
			return NULL;
		oflags = SQLITE_OPEN_READWRITE;
	}
	/* One connection, one thread: SQLite's own mutexes are not needed. */
	oflags |= SQLITE_OPEN_NOMUTEX;

	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	s->flags = flags;
	rc = sqlite3_open_v2(path, &s->db, oflags, NULL);
	if (rc != SQLITE_OK) {
		perr_set(err, PERR_STORE, _("%s: cannot open: %s"), path,
		    s->db != NULL ? sqlite3_errmsg(s->db) :
		    sqlite3_errstr(rc));
		goto fail;
	}
	if (configure(s, err) == -1)
		goto fail;
	if (flags & STORE_RDONLY)
		rc = store_schema_check(s, err);
	else
		rc = store_schema_migrate(s, err);
	if (rc == -1)
		goto fail;
	s->ready = true;
	return s;
fail:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ncache; i++)
		(void)sqlite3_finalize(s->cache[i].stmt);
	free(s->cache);
	s->cache = NULL;
	s->ncache = 0;
	if (s->db != NULL) {
		/*
		 * PRAGMA optimize is advisory (it refreshes the planner's
		 * statistics); a failure changes nothing we rely on. Never on
		 * a file we refused: it may write to it. With a bounded
		 * analysis (SQLite's advice; its own default since 3.46):
		 * an index ANALYZE leaves without statistics (an empty
		 * partial one, message_fts_wait) makes SQLite 3.40 analyze
		 * the whole message table at every close, 0.2 s of CPU at
		 * 300,000 messages, most of a no-change resync
		 * (doc/PERFORMANCE.md, a million messages).
		 */
		if (s->ready && !(s->flags & STORE_RDONLY) && s->depth == 0)
			(void)sqlite3_exec(s->db, "PRAGMA analysis_limit = 400;"
			    "PRAGMA optimize", NULL, NULL, NULL);
		/*
		 * close_v2 rolls back an open transaction; it cannot fail
		 * for want of finalized statements, all are finalized.
		 */
		(void)sqlite3_close_v2(s->db);
	}
	free(s->path);
	free(s);
}

const char *
store_path(const struct store *s)
{
	return s->path;
}
