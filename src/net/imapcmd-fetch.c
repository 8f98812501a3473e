/*
 * imapcmd-fetch.c - UID FETCH, streamed: a FETCH of every message's flags
 * or of a batch of headers goes through libetpan's per-message handler, so
 * each message is handed to the caller and freed as soon as it is parsed,
 * and a body goes through the body handler into one growing buffer with a
 * bound. A caller's callback cannot stop libetpan in the middle of a
 * reply (the session would lose its place), so a non-zero return only
 * stops the deliveries: the command still runs to its end and that value
 * is returned after it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "net/imapcmd-int.h"
#include "util/i18n.h"

/* ---- reading one FETCH response ------------------------------------------ */

static int64_t
dt_unix(const struct mailimap_date_time *dt)
{
	struct tm	tm;
	int		zone, off;

	if (dt == NULL)
		return 0;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = dt->dt_year - 1900;
	tm.tm_mon = dt->dt_month - 1;
	tm.tm_mday = dt->dt_day;
	tm.tm_hour = dt->dt_hour;
	tm.tm_min = dt->dt_min;
	tm.tm_sec = dt->dt_sec;
	/* dt_zone is the zone as written, +0130 being 130. */
	zone = dt->dt_zone < 0 ? -dt->dt_zone : dt->dt_zone;
	off = (zone / 100) * 3600 + (zone % 100) * 60;
	if (dt->dt_zone < 0)
		off = -off;
	return (int64_t)timegm(&tm) - off;
}

static void
words_add(struct words *w, const char *prefix, const char *word)
{
	size_t	n = strlen(prefix) + strlen(word) + 2;

	if (w->len + n > w->cap) {
		w->cap = (w->len + n) * 2;
		w->s = xrealloc(w->s, w->cap);
	}
	w->len += (size_t)snprintf(w->s + w->len, w->cap - w->len, "%s%s%s",
	    w->len > 0 ? " " : "", prefix, word);
}

static void
flags_of(const struct mailimap_msg_att_dynamic *dyn, unsigned *flags,
    struct words *kw)
{
	struct mailimap_flag_fetch	*ff;
	clistiter			*it;

	*flags = 0;
	for (it = dyn != NULL && dyn->att_list != NULL ?
	    clist_begin(dyn->att_list) : NULL; it != NULL;
	    it = clist_next(it)) {
		ff = clist_content(it);
		if (ff->fl_type == MAILIMAP_FLAG_FETCH_RECENT) {
			*flags |= IMAP_FLAG_RECENT;
			continue;
		}
		if (ff->fl_flag == NULL)
			continue;
		switch (ff->fl_flag->fl_type) {
		case MAILIMAP_FLAG_ANSWERED:
			*flags |= IMAP_FLAG_ANSWERED;
			break;
		case MAILIMAP_FLAG_FLAGGED:
			*flags |= IMAP_FLAG_FLAGGED;
			break;
		case MAILIMAP_FLAG_DELETED:
			*flags |= IMAP_FLAG_DELETED;
			break;
		case MAILIMAP_FLAG_SEEN:
			*flags |= IMAP_FLAG_SEEN;
			break;
		case MAILIMAP_FLAG_DRAFT:
			*flags |= IMAP_FLAG_DRAFT;
			break;
		case MAILIMAP_FLAG_KEYWORD:
			if (ff->fl_flag->fl_data.fl_keyword != NULL)
				words_add(kw, "", ff->fl_flag->fl_data.fl_keyword);
			break;
		case MAILIMAP_FLAG_EXTENSION:
			if (ff->fl_flag->fl_data.fl_extension != NULL)
				words_add(kw, "\\",
				    ff->fl_flag->fl_data.fl_extension);
			break;
		}
	}
}

/* Does a part look like an attachment? See has_attachments(). */
static bool
part_is_attachment(const struct mailimap_body_type_1part *p, bool in_related)
{
	const struct mailimap_body_ext_1part	*ext = p->bd_ext_1part;
	const struct mailimap_body_fields	*fields = NULL;
	const struct mailimap_body_fld_dsp	*dsp;
	clistiter				*it;
	bool					 named = false;

	if (ext != NULL && (dsp = ext->bd_disposition) != NULL &&
	    dsp->dsp_type != NULL) {
		if (strcasecmp(dsp->dsp_type, "attachment") == 0)
			return true;
		if (dsp->dsp_attributes != NULL &&
		    dsp->dsp_attributes->pa_list != NULL)
			for (it = clist_begin(dsp->dsp_attributes->pa_list);
			    it != NULL; it = clist_next(it)) {
				struct mailimap_single_body_fld_param *pa =
				    clist_content(it);
				if (pa->pa_name != NULL &&
				    strncasecmp(pa->pa_name, "filename", 8) == 0)
					named = true;
			}
	}
	switch (p->bd_type) {
	case MAILIMAP_BODY_TYPE_1PART_TEXT:
		fields = p->bd_data.bd_type_text->bd_fields;
		break;
	case MAILIMAP_BODY_TYPE_1PART_MSG:
		return true;		/* a forwarded message */
	case MAILIMAP_BODY_TYPE_1PART_BASIC:
		/* Images shown inside an HTML part are not attachments. */
		return !in_related;
	}
	if (!named && fields != NULL && fields->bd_parameter != NULL &&
	    fields->bd_parameter->pa_list != NULL)
		for (it = clist_begin(fields->bd_parameter->pa_list); it != NULL;
		    it = clist_next(it)) {
			struct mailimap_single_body_fld_param *pa =
			    clist_content(it);
			if (pa->pa_name != NULL &&
			    strcasecmp(pa->pa_name, "name") == 0)
				named = true;
		}
	return named;		/* a text file sent as a file */
}

/*
 * True when some part is marked as an attachment, is a non-text leaf
 * (outside multipart/related), a forwarded message, or a named text part.
 * The top-level text part of a simple message never is.
 */
static bool
has_attachments(const struct mailimap_body *b, bool in_related, int depth)
{
	const struct mailimap_body_type_mpart	*mp;
	clistiter				*it;
	bool					 related;

	if (b == NULL || depth > 32)
		return false;
	if (b->bd_type == MAILIMAP_BODY_1PART)
		return b->bd_data.bd_body_1part != NULL &&
		    part_is_attachment(b->bd_data.bd_body_1part, in_related);
	mp = b->bd_data.bd_body_mpart;
	if (mp == NULL || mp->bd_list == NULL)
		return false;
	related = mp->bd_media_subtype != NULL &&
	    strcasecmp(mp->bd_media_subtype, "related") == 0;
	for (it = clist_begin(mp->bd_list); it != NULL; it = clist_next(it))
		if (has_attachments(clist_content(it), related, depth + 1))
			return true;
	return false;
}

void
imapcmd_parse(const struct mailimap_msg_att *ma, struct parsed *p)
{
	struct mailimap_msg_att_item	*item;
	struct mailimap_msg_att_static	*st;
	struct mailimap_extension_data	*ed;
	clistiter			*it;

	memset(p, 0, sizeof *p);
	for (it = ma->att_list != NULL ? clist_begin(ma->att_list) : NULL;
	    it != NULL; it = clist_next(it)) {
		item = clist_content(it);
		switch (item->att_type) {
		case MAILIMAP_MSG_ATT_ITEM_DYNAMIC:
			p->has_flags = true;
			flags_of(item->att_data.att_dyn, &p->flags, &p->kw);
			break;
		case MAILIMAP_MSG_ATT_ITEM_STATIC:
			st = item->att_data.att_static;
			switch (st->att_type) {
			case MAILIMAP_MSG_ATT_UID:
				p->uid = st->att_data.att_uid;
				break;
			case MAILIMAP_MSG_ATT_RFC822_SIZE:
				p->size = st->att_data.att_rfc822_size;
				break;
			case MAILIMAP_MSG_ATT_INTERNALDATE:
				p->internal_date =
				    dt_unix(st->att_data.att_internal_date);
				break;
			case MAILIMAP_MSG_ATT_ENVELOPE:
				p->env = st->att_data.att_env;
				break;
			case MAILIMAP_MSG_ATT_BODYSTRUCTURE:
				p->bs = st->att_data.att_bodystructure;
				break;
			case MAILIMAP_MSG_ATT_BODY_SECTION:
				if (st->att_data.att_body_section != NULL) {
					p->has_section = true;
					p->section = st->att_data.
					    att_body_section->sec_body_part;
					p->section_len = st->att_data.
					    att_body_section->sec_length;
				}
				break;
			}
			break;
		case MAILIMAP_MSG_ATT_ITEM_EXTENSION:
			ed = item->att_data.att_extension_data;
			if (ed != NULL && ed->ext_extension != NULL &&
			    ed->ext_extension->ext_id ==
			    MAILIMAP_EXTENSION_CONDSTORE &&
			    ed->ext_type == MAILIMAP_CONDSTORE_TYPE_FETCH_DATA &&
			    ed->ext_data != NULL)
				p->modseq = ((struct
				    mailimap_condstore_fetch_mod_resp *)
				    ed->ext_data)->cs_modseq_value;
			break;
		}
	}
}

/* ---- streamed FETCH -------------------------------------------------------- */

static void
stream_msg(struct mailimap_msg_att *ma, void *arg)
{
	struct stream	*s = arg;

	if (ma != NULL)
		s->each(s, ma);
}

/* The handler only fires with a progress callback set (guide 3.5). */
static void
stream_progress(size_t cur, size_t max, void *arg)
{
	(void)cur;
	(void)max;
	(void)arg;
}

void
imapcmd_stream_on(struct imap_conn *c, struct stream *s)
{
	mailimap_set_progress_callback(c->imap, stream_progress,
	    stream_progress, s);
	mailimap_set_msg_att_handler(c->imap, stream_msg, s);
	tls_stream_limit(c->stream, NET_CTX_IMAP_FETCH);
}

void
imapcmd_stream_off(struct imap_conn *c)
{
	mailimap_set_msg_att_handler(c->imap, NULL, NULL);
	mailimap_set_msg_body_handler(c->imap, NULL, NULL);
	mailimap_set_progress_callback(c->imap, NULL, NULL, NULL);
	tls_stream_limit(c->stream, NET_CTX_IMAP);
}

/*
 * The list a UID FETCH returned in *result. libetpan 1.9.4 frees it itself
 * when the server answers NO, yet leaves the pointer there (freeing it
 * again crashes): only a successful fetch's list is ours.
 */
void
imapcmd_fetch_list_free(int r, clist *res)
{
	if (r == MAILIMAP_NO_ERROR && res != NULL)
		mailimap_fetch_list_free(res);
}

int
imapcmd_ft_add(struct mailimap_fetch_type *ft, struct mailimap_fetch_att *att)
{
	if (att == NULL)
		return -1;
	if (mailimap_fetch_type_new_fetch_att_list_add(ft, att) !=
	    MAILIMAP_NO_ERROR) {
		mailimap_fetch_att_free(att);
		return -1;
	}
	return 0;
}

static bool	body_chunk(int, struct mailimap_msg_att_body_section *,
		    const char *, size_t, void *);

/*
 * One streamed UID FETCH of ft over set (with CHANGEDSINCE when not 0),
 * every message of the reply to s->each, the bodies (body) to
 * body_chunk() under the body's bound. Takes set and ft. Returns s->stop,
 * or -1 with err naming the command ("UID FETCH (what)").
 */
static int
fetch_run(struct imap_conn *c, struct mailimap_set *set,
    struct mailimap_fetch_type *ft, uint64_t changedsince, bool body,
    struct stream *s, const char *what, struct perr *err)
{
	clist	*res = NULL;
	char	 cmd[64];
	int	 r;

	imapcmd_stream_on(c, s);
	if (body) {
		mailimap_set_msg_body_handler(c->imap, body_chunk, s);
		tls_stream_limit(c->stream, NET_CTX_IMAP_BODY);
	}
	if (changedsince != 0)
		r = mailimap_uid_fetch_changedsince(c->imap, set, ft,
		    changedsince, &res);
	else
		r = mailimap_uid_fetch(c->imap, set, ft, &res);
	imapcmd_stream_off(c);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	imapcmd_fetch_list_free(r, res);
	if (r != MAILIMAP_NO_ERROR) {
		(void)snprintf(cmd, sizeof cmd, "UID FETCH (%s)", what);
		return imapcmd_fail(c, r, cmd, PERR_GENERIC, err);
	}
	return s->stop;
}

void
imapcmd_flags_each(struct stream *s, const struct mailimap_msg_att *ma)
{
	struct parsed	 p;
	struct imap_flags f;
	imap_flags_cb	 cb = s->flags_cb;

	imapcmd_parse(ma, &p);
	if (s->stop == 0 && p.uid != 0 && p.has_flags && cb != NULL) {
		f.uid = p.uid;
		f.flags = p.flags;
		f.keywords = p.kw.s;
		f.modseq = p.modseq;
		s->stop = cb(s->arg, &f);
	}
	free(p.kw.s);
}

/* ---- UID FETCH FLAGS ------------------------------------------------------- */

int
imap_fetch_flags(struct imap_conn *c, uint32_t first, uint32_t last,
    uint64_t changedsince, imap_flags_cb cb, void *arg, struct perr *err)
{
	struct mailimap_set		*set;
	struct mailimap_fetch_type	*ft;
	struct stream			 s;

	if ((set = mailimap_set_new_interval(first, last)) == NULL)
		return imapcmd_nomem(c, err);
	if ((ft = mailimap_fetch_type_new_fetch_att_list_empty()) == NULL ||
	    imapcmd_ft_add(ft, mailimap_fetch_att_new_uid()) != 0 ||
	    imapcmd_ft_add(ft, mailimap_fetch_att_new_flags()) != 0 ||
	    (changedsince != 0 &&
	    imapcmd_ft_add(ft, mailimap_fetch_att_new_modseq()) != 0)) {
		if (ft != NULL)
			mailimap_fetch_type_free(ft);
		mailimap_set_free(set);
		return imapcmd_nomem(c, err);
	}
	memset(&s, 0, sizeof s);
	s.each = imapcmd_flags_each;
	s.flags_cb = cb;
	s.arg = arg;
	return fetch_run(c, set, ft, changedsince, false, &s, "FLAGS", err);
}

/* ---- UID FETCH of headers -------------------------------------------------- */

static struct imap_addr *
addrs_of(clist *l, size_t *n)
{
	struct imap_addr	*v;
	struct mailimap_address	*a;
	clistiter		*it;

	*n = 0;
	if (l == NULL || clist_count(l) == 0)
		return NULL;
	v = xcalloc((size_t)clist_count(l), sizeof *v);
	for (it = clist_begin(l); it != NULL; it = clist_next(it)) {
		a = clist_content(it);
		/* Group syntax: a NIL host starts or ends a group. */
		if (a->ad_host_name == NULL)
			continue;
		v[*n].name = a->ad_personal_name;
		v[*n].mailbox = a->ad_mailbox_name;
		v[*n].host = a->ad_host_name;
		(*n)++;
	}
	return v;
}

static void
headers_each(struct stream *s, const struct mailimap_msg_att *ma)
{
	struct parsed		 p;
	struct imap_header	 h;
	struct imap_addr	*from = NULL, *to = NULL, *cc = NULL;
	imap_header_cb		 cb = s->header_cb;

	imapcmd_parse(ma, &p);
	/* Unsolicited FETCHes (flag changes) carry no envelope: skip them. */
	if (s->stop == 0 && p.uid != 0 && p.env != NULL) {
		memset(&h, 0, sizeof h);
		h.uid = p.uid;
		h.flags = p.flags;
		h.keywords = p.kw.s;
		h.modseq = p.modseq;
		h.internal_date = p.internal_date;
		h.size = p.size;
		h.has_attachments = has_attachments(p.bs, false, 0);
		h.date = p.env->env_date;
		h.subject = p.env->env_subject;
		h.message_id = p.env->env_message_id;
		h.in_reply_to = p.env->env_in_reply_to;
		if (p.env->env_from != NULL)
			h.from = from = addrs_of(p.env->env_from->frm_list,
			    &h.nfrom);
		if (p.env->env_to != NULL)
			h.to = to = addrs_of(p.env->env_to->to_list, &h.nto);
		if (p.env->env_cc != NULL)
			h.cc = cc = addrs_of(p.env->env_cc->cc_list, &h.ncc);
		h.refs = p.section;
		h.refs_len = p.section_len;
		s->stop = cb(s->arg, &h);
	}
	free(from);
	free(to);
	free(cc);
	free(p.kw.s);
}

/* What imap_fetch_headers() asks for, as words (pipelined). */
#define HEADER_ITEMS(modseq) "UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE " \
	"BODYSTRUCTURE" modseq " BODY.PEEK[HEADER.FIELDS (References " \
	"In-Reply-To)]"

static int	fetch_pipe_run(struct imap_conn *, const uint32_t *, size_t,
		    const char *, bool, struct stream *, const char *,
		    struct perr *);
static bool	fetch_pipelines(size_t);

int
imap_fetch_headers(struct imap_conn *c, const uint32_t *uids, size_t n,
    bool modseq, imap_header_cb cb, void *arg, struct perr *err)
{
	struct mailimap_set		*set;
	struct mailimap_fetch_type	*ft;
	struct mailimap_header_list	*hl;
	struct mailimap_section		*sec;
	struct stream			 s;
	clist				*names;
	char				*a = NULL, *b = NULL;

	if (n == 0)
		return 0;
	memset(&s, 0, sizeof s);
	s.each = headers_each;
	s.header_cb = cb;
	s.arg = arg;
	if (fetch_pipelines(n))
		return fetch_pipe_run(c, uids, n, modseq ?
		    HEADER_ITEMS(" MODSEQ") : HEADER_ITEMS(""), false, &s,
		    "headers", err);
	if ((set = imapcmd_set_of(uids, n)) == NULL)
		return imapcmd_nomem(c, err);
	/* BODY.PEEK[HEADER.FIELDS (References In-Reply-To)]: threading. */
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	names = clist_new();
	if (ft == NULL || names == NULL || (a = strdup("References")) == NULL ||
	    clist_append(names, a) != 0) {
		free(a);
		goto oom;
	}
	if ((b = strdup("In-Reply-To")) == NULL || clist_append(names, b) != 0) {
		free(b);
		goto oom;
	}
	if ((hl = mailimap_header_list_new(names)) == NULL)
		goto oom;
	names = NULL;		/* hl has it */
	if ((sec = mailimap_section_new_header_fields(hl)) == NULL) {
		mailimap_header_list_free(hl);
		goto oom;
	}
	if (imapcmd_ft_add(ft, mailimap_fetch_att_new_uid()) != 0 ||
	    imapcmd_ft_add(ft, mailimap_fetch_att_new_flags()) != 0 ||
	    imapcmd_ft_add(ft, mailimap_fetch_att_new_internaldate()) != 0 ||
	    imapcmd_ft_add(ft, mailimap_fetch_att_new_rfc822_size()) != 0 ||
	    imapcmd_ft_add(ft, mailimap_fetch_att_new_envelope()) != 0 ||
	    imapcmd_ft_add(ft, mailimap_fetch_att_new_bodystructure()) != 0 ||
	    (modseq && imapcmd_ft_add(ft, mailimap_fetch_att_new_modseq()) != 0)) {
		mailimap_section_free(sec);
		goto oom;
	}
	if (imapcmd_ft_add(ft, mailimap_fetch_att_new_body_peek_section(sec)) != 0) {
		mailimap_section_free(sec);
		goto oom;
	}

	return fetch_run(c, set, ft, 0, false, &s, "headers", err);

oom:
	if (names != NULL) {
		clistiter *it;

		for (it = clist_begin(names); it != NULL; it = clist_next(it))
			free(clist_content(it));
		clist_free(names);
	}
	if (ft != NULL)
		mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	return imapcmd_nomem(c, err);
}

/* ---- pipelined UID FETCH ------------------------------------------------------ */

/* The fewest UIDs worth a command of their own in a pipeline. */
#define FETCH_PIPE_MIN	25
#define FETCH_DEPTH_MAX	16

int
imap_fetch_depth(void)
{
	return (int)env_long("POSTA_FETCH_PIPELINE", 1, FETCH_DEPTH_MAX,
	    IMAP_FETCH_DEPTH);
}

/* The first NO among the pipelined FETCHes, in the server's words. */
struct fetch_pipe {
	struct imap_conn	*c;
	bool			 no;
	char			 why[sizeof ((struct imap_conn *)0)->refused];
};

static void
fetch_pipe_got(void *arg, size_t i, int r)
{
	struct fetch_pipe	*g = arg;

	(void)i;
	if (r == MAILIMAP_ERROR_CUSTOM_COMMAND && !g->no) {
		g->no = true;
		net_server_text(g->why, sizeof g->why,
		    g->c->imap->imap_response);
	}
}

/*
 * Would uids[0..n) go out as several commands in flight? Only when the
 * depth allows it and there are enough for two.
 */
static bool
fetch_pipelines(size_t n)
{
	return imap_fetch_depth() > 1 && n >= 2 * FETCH_PIPE_MIN;
}

/*
 * UID FETCH uids[0..n) (items) as up to imap_fetch_depth() commands sent
 * at once, their replies read in order through the stream the caller set
 * up (imapcmd_stream_on()), so each message reaches its callback in the
 * server's order, batch after batch. A NO of any batch fails the whole
 * (after every reply was read: the session stays in step) with
 * imap_conn.refused set, as a single FETCH's would.
 */
static int
fetch_pipelined(struct imap_conn *c, const uint32_t *uids, size_t n,
    const char *items, const char *what, struct perr *err)
{
	struct fetch_pipe	 g;
	char			*cmds[FETCH_DEPTH_MAX], *set, cmd[64];
	size_t			 per, k = 0, i, at;
	int			 depth = imap_fetch_depth(), r;

	memset(&g, 0, sizeof g);
	g.c = c;
	per = (n + (size_t)depth - 1) / (size_t)depth;
	if (per < FETCH_PIPE_MIN)
		per = FETCH_PIPE_MIN;
	for (at = 0; at < n; at += per) {
		set = imapcmd_uid_set_text(uids + at, n - at < per ? n - at : per);
		cmds[k++] = xasprintf("UID FETCH %s (%s)", set, items);
		free(set);
	}
	r = imapcmd_pipeline(c, (const char *const *)cmds, k, fetch_pipe_got,
	    &g);
	for (i = 0; i < k; i++)
		free(cmds[i]);
	if ((r == MAILIMAP_NO_ERROR || r == MAILIMAP_ERROR_CUSTOM_COMMAND) &&
	    g.no) {
		snprintf(c->refused, sizeof c->refused, "%s", g.why);
		return net_fail(err, NULL, c->report.hostport, PERR_GENERIC,
		    "UID FETCH (%s): the server said no: %s", what,
		    c->refused);
	}
	if (r != MAILIMAP_NO_ERROR) {
		(void)snprintf(cmd, sizeof cmd, "UID FETCH (%s)", what);
		return imapcmd_fail(c, r, cmd, PERR_GENERIC, err);
	}
	return 0;
}

/* fetch_run() for fetch_pipelined(): the stream set up around it. */
static int
fetch_pipe_run(struct imap_conn *c, const uint32_t *uids, size_t n,
    const char *items, bool body, struct stream *s, const char *what,
    struct perr *err)
{
	int	r;

	c->refused[0] = '\0';
	imapcmd_stream_on(c, s);
	if (body) {
		mailimap_set_msg_body_handler(c->imap, body_chunk, s);
		tls_stream_limit(c->stream, NET_CTX_IMAP_BODY);
	}
	r = fetch_pipelined(c, uids, n, items, what, err);
	imapcmd_stream_off(c);
	return r != 0 ? r : s->stop;
}

/* ---- UID FETCH BODY.PEEK[] -------------------------------------------------- */

static bool
body_chunk(int type, struct mailimap_msg_att_body_section *sec,
    const char *bytes, size_t len, void *arg)
{
	struct stream	*s = arg;

	(void)type;
	(void)sec;
	s->got_body = true;
	s->seen += len;
	if (s->too_big)
		return true;	/* drain it: stopping would break the session */
	if (s->len + len > s->max) {
		s->too_big = true;
		return true;
	}
	if (s->len + len + 1 > s->cap) {
		s->cap = s->cap ? s->cap : 65536;
		while (s->cap < s->len + len + 1)
			s->cap *= 2;
		s->buf = xrealloc(s->buf, s->cap);
	}
	memcpy(s->buf + s->len, bytes, len);
	s->len += len;
	s->buf[s->len] = '\0';
	return true;
}

static void
body_each(struct stream *s, const struct mailimap_msg_att *ma)
{
	struct parsed	p;
	imap_body_cb	cb = s->body_cb;

	imapcmd_parse(ma, &p);
	free(p.kw.s);
	/* A body arrives with its own FETCH; flag-only ones are unsolicited. */
	if (!s->got_body && !p.has_section)
		return;
	if (s->stop == 0 && p.uid != 0)
		s->stop = s->too_big ? cb(s->arg, p.uid, NULL, s->seen) :
		    cb(s->arg, p.uid, s->buf != NULL ? s->buf : "", s->len);
	s->len = s->seen = 0;
	s->got_body = s->too_big = false;
}

int
imap_fetch_bodies(struct imap_conn *c, const uint32_t *uids, size_t n,
    size_t max, imap_body_cb cb, void *arg, struct perr *err)
{
	struct mailimap_set		*set;
	struct mailimap_fetch_type	*ft;
	struct mailimap_section		*sec;
	struct stream			 s;
	int				 r;

	c->refused[0] = '\0';	/* a body too big is no NO */
	if (n == 0)
		return 0;
	memset(&s, 0, sizeof s);
	s.each = body_each;
	s.body_cb = cb;
	s.arg = arg;
	s.max = max;
	if (fetch_pipelines(n)) {
		r = fetch_pipe_run(c, uids, n, "UID BODY.PEEK[]", true, &s,
		    "BODY.PEEK[]", err);
		free(s.buf);
		return r;
	}
	if ((set = imapcmd_set_of(uids, n)) == NULL)
		return imapcmd_nomem(c, err);
	if ((ft = mailimap_fetch_type_new_fetch_att_list_empty()) == NULL ||
	    (sec = mailimap_section_new(NULL)) == NULL) {
		if (ft != NULL)
			mailimap_fetch_type_free(ft);
		mailimap_set_free(set);
		return imapcmd_nomem(c, err);
	}
	if (imapcmd_ft_add(ft, mailimap_fetch_att_new_uid()) != 0) {
		mailimap_section_free(sec);
		goto oom;
	}
	if (imapcmd_ft_add(ft, mailimap_fetch_att_new_body_peek_section(sec)) != 0) {
		mailimap_section_free(sec);
		goto oom;
	}
	r = fetch_run(c, set, ft, 0, true, &s, "BODY.PEEK[]", err);
	free(s.buf);
	return r;

oom:
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	return imapcmd_nomem(c, err);
}

struct one_body {
	uint32_t	 uid;
	char		*raw;
	size_t		 len;
	bool		 too_big;
};

static int
one_body(void *arg, uint32_t uid, const char *raw, size_t len)
{
	struct one_body	*ob = arg;

	if (uid != ob->uid || ob->raw != NULL)
		return 0;
	if (raw == NULL) {
		ob->too_big = true;
		return 0;
	}
	ob->raw = xmalloc(len + 1);
	memcpy(ob->raw, raw, len);
	ob->raw[len] = '\0';
	ob->len = len;
	return 0;
}

int
imap_fetch_body(struct imap_conn *c, uint32_t uid, size_t max, char **raw,
    size_t *len, struct perr *err)
{
	struct one_body	ob = { uid, NULL, 0, false };

	*raw = NULL;
	*len = 0;
	if (imap_fetch_bodies(c, &uid, 1, max, one_body, &ob, err) != 0)
		return -1;
	if (ob.too_big)
		return net_fail(err, NULL, c->report.hostport, PERR_GENERIC,
		    _("message UID %u is larger than the %zu MiB posta accepts"),
		    uid, max >> 20);
	if (ob.raw == NULL)
		return net_fail(err, NULL, c->report.hostport, PERR_NOTFOUND,
		    _("message UID %u is no longer on the server"), uid);
	*raw = ob.raw;
	*len = ob.len;
	return 0;
}
