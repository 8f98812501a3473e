/*
 * imapcmd-store.c - changing the server, for the journal replay: UID
 * STORE of flags, UID COPY/MOVE with COPYUID, (UID) EXPUNGE, APPEND.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/imapcmd-int.h"

/* ---- changing the server (journal replay) ------------------------------------ */

/* The flag list for bits and space-separated keywords; NULL: out of memory. */
static struct mailimap_flag_list *
flag_list_of(unsigned flags, const char *keywords)
{
	static const struct {
		unsigned		  bit;
		struct mailimap_flag	*(*make)(void);
	} sys[] = {
		{ IMAP_FLAG_SEEN, mailimap_flag_new_seen },
		{ IMAP_FLAG_ANSWERED, mailimap_flag_new_answered },
		{ IMAP_FLAG_FLAGGED, mailimap_flag_new_flagged },
		{ IMAP_FLAG_DELETED, mailimap_flag_new_deleted },
		{ IMAP_FLAG_DRAFT, mailimap_flag_new_draft },
	};
	struct mailimap_flag_list	*fl;
	struct mailimap_flag		*f;
	const char			*p, *e;
	char				*w;
	size_t				 i;

	if ((fl = mailimap_flag_list_new_empty()) == NULL)
		return NULL;
	for (i = 0; i < sizeof sys / sizeof sys[0]; i++) {
		if (!(flags & sys[i].bit))
			continue;
		if ((f = sys[i].make()) == NULL)
			goto fail;
		if (mailimap_flag_list_add(fl, f) != MAILIMAP_NO_ERROR) {
			mailimap_flag_free(f);
			goto fail;
		}
	}
	for (p = keywords != NULL ? keywords : ""; *p != '\0'; p = e) {
		while (*p == ' ')
			p++;
		for (e = p; *e != '\0' && *e != ' '; e++)
			;
		if (e == p)
			continue;
		/* \Foo is an extension flag, anything else a keyword. */
		if (*p == '\\') {
			if ((w = strndup(p + 1, (size_t)(e - p - 1))) == NULL)
				goto fail;
			f = mailimap_flag_new_flag_extension(w);
		} else {
			if ((w = strndup(p, (size_t)(e - p))) == NULL)
				goto fail;
			f = mailimap_flag_new_flag_keyword(w);
		}
		if (f == NULL) {
			free(w);
			goto fail;
		}
		if (mailimap_flag_list_add(fl, f) != MAILIMAP_NO_ERROR) {
			mailimap_flag_free(f);
			goto fail;
		}
	}
	return fl;
fail:
	mailimap_flag_list_free(fl);
	return NULL;
}

int
imap_store_flags(struct imap_conn *c, const uint32_t *uids, size_t n,
    bool add, unsigned flags, const char *keywords, struct perr *err)
{
	struct mailimap_flag_list	*fl;
	struct mailimap_store_att_flags	*sa;
	struct mailimap_set		*set;
	int				 r;

	if (n == 0 || (flags == 0 && (keywords == NULL || *keywords == '\0')))
		return 0;
	if ((set = imapcmd_set_of(uids, n)) == NULL)
		return imapcmd_nomem(c, err);
	if ((fl = flag_list_of(flags, keywords)) == NULL) {
		mailimap_set_free(set);
		return imapcmd_nomem(c, err);
	}
	/* +FLAGS / -FLAGS: merged with what other devices did, never replaced. */
	sa = add ? mailimap_store_att_flags_new_add_flags_silent(fl) :
	    mailimap_store_att_flags_new_remove_flags_silent(fl);
	if (sa == NULL) {
		mailimap_flag_list_free(fl);
		mailimap_set_free(set);
		return imapcmd_nomem(c, err);
	}
	r = mailimap_uid_store(c->imap, set, sa);
	mailimap_store_att_flags_free(sa);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return imapcmd_fail(c, r, "UID STORE", PERR_GENERIC, err);
	return 0;
}

/* Pair COPYUID's source and destination sets, in order (RFC 4315). */
static void
copyuid_fill(struct imap_copyuid *out, uint32_t uidvalidity,
    struct mailimap_set *src, struct mailimap_set *dst)
{
	clistiter		*si, *di;
	struct mailimap_set_item *a, *b;
	uint32_t		 s, d;

	out->uidvalidity = uidvalidity;
	if (src == NULL || dst == NULL)
		return;
	si = clist_begin(src->set_list);
	di = clist_begin(dst->set_list);
	if (si == NULL || di == NULL)
		return;
	a = clist_content(si);
	b = clist_content(di);
	s = a->set_first;
	d = b->set_first;
	for (;;) {
		if (s == 0 || d == 0)
			return;		/* '*' has no place in COPYUID */
		out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
		out->v[out->n].src = s;
		out->v[out->n].dst = d;
		out->n++;
		if (s == a->set_last || s == UINT32_MAX) {
			if ((si = clist_next(si)) == NULL)
				return;
			a = clist_content(si);
			s = a->set_first;
		} else
			s++;
		if (d == b->set_last || d == UINT32_MAX) {
			if ((di = clist_next(di)) == NULL)
				return;
			b = clist_content(di);
			d = b->set_first;
		} else
			d++;
	}
}

uint32_t
imap_copyuid_dst(const struct imap_copyuid *cu, uint32_t src)
{
	size_t	i;

	for (i = 0; cu != NULL && i < cu->n; i++)
		if (cu->v[i].src == src)
			return cu->v[i].dst;
	return 0;
}

void
imap_copyuid_free(struct imap_copyuid *cu)
{
	if (cu == NULL)
		return;
	free(cu->v);
	memset(cu, 0, sizeof *cu);
}

int
imap_uid_copy(struct imap_conn *c, const uint32_t *uids, size_t n,
    const char *mailbox, bool move, struct imap_copyuid *out, struct perr *err)
{
	struct mailimap_set	*set, *src = NULL, *dst = NULL;
	uint32_t		 uidvalidity = 0;
	int			 r;

	memset(out, 0, sizeof *out);
	if (n == 0)
		return 0;
	if ((set = imapcmd_set_of(uids, n)) == NULL)
		return imapcmd_nomem(c, err);
	if (move)
		r = mailimap_uidplus_uid_move(c->imap, set, mailbox,
		    &uidvalidity, &src, &dst);
	else
		r = mailimap_uidplus_uid_copy(c->imap, set, mailbox,
		    &uidvalidity, &src, &dst);
	mailimap_set_free(set);
	if (r == MAILIMAP_NO_ERROR)
		copyuid_fill(out, uidvalidity, src, dst);
	if (src != NULL)
		mailimap_set_free(src);
	if (dst != NULL)
		mailimap_set_free(dst);
	if (r != MAILIMAP_NO_ERROR)
		return imapcmd_fail(c, r, move ? "UID MOVE" : "UID COPY",
		    PERR_GENERIC, err);
	return 0;
}

int
imap_uid_expunge(struct imap_conn *c, const uint32_t *uids, size_t n,
    struct perr *err)
{
	struct mailimap_set	*set;
	int			 r;

	if (n == 0)
		return 0;
	if ((set = imapcmd_set_of(uids, n)) == NULL)
		return imapcmd_nomem(c, err);
	r = mailimap_uid_expunge(c->imap, set);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return imapcmd_fail(c, r, "UID EXPUNGE", PERR_GENERIC, err);
	return 0;
}

int
imap_expunge(struct imap_conn *c, struct perr *err)
{
	int	r;

	if ((r = mailimap_expunge(c->imap)) != MAILIMAP_NO_ERROR)
		return imapcmd_fail(c, r, "EXPUNGE", PERR_GENERIC, err);
	return 0;
}

int
imap_append(struct imap_conn *c, const char *mailbox, unsigned flags,
    const char *keywords, int64_t internal_date, const char *raw, size_t len,
    uint32_t *uidvalidity, uint32_t *uid, struct perr *err)
{
	struct mailimap_flag_list	*fl;
	struct mailimap_date_time	*dt = NULL;
	struct tm			 tm;
	time_t				 t = (time_t)internal_date;
	int				 r;

	*uidvalidity = *uid = 0;
	if ((fl = flag_list_of(flags, keywords)) == NULL)
		return imapcmd_nomem(c, err);
	if (internal_date > 0 && gmtime_r(&t, &tm) != NULL &&
	    (dt = mailimap_date_time_new(tm.tm_mday, tm.tm_mon + 1,
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, 0)) == NULL) {
		mailimap_flag_list_free(fl);
		return imapcmd_nomem(c, err);
	}
	if (imap_has_cap(c, "UIDPLUS"))
		r = mailimap_uidplus_append(c->imap, mailbox, fl, dt, raw, len,
		    uidvalidity, uid);
	else
		r = mailimap_append(c->imap, mailbox, fl, dt, raw, len);
	mailimap_flag_list_free(fl);
	if (dt != NULL)
		mailimap_date_time_free(dt);
	if (r != MAILIMAP_NO_ERROR)
		return imapcmd_fail(c, r, "APPEND", PERR_GENERIC, err);
	return 0;
}
