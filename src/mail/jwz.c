/*
 * jwz.c - JWZ threading (https://www.jwz.org/doc/threading.html) of an
 * array of messages (the rows the TUI's index holds): Message-ID,
 * References and In-Reply-To first, then the subject for what they leave
 * apart. Pure: no store, no curses.
 *
 * Bounded on purpose: the index threads a block of a few hundred rows, and
 * hostile headers cannot make the work grow beyond the references we read
 * (THREAD_MAX_REFS per message), nor the prefix beyond THREAD_MAX_LEVELS.
 */
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"

#define THREAD_MAX_REFS		64	/* ids read from one References */
#define THREAD_MAX_LEVELS	12	/* tree prefix drawn for at most */
#define THREAD_MAX_WALK		1024	/* ancestors looked at per link */
#define NONE			((size_t)-1)


struct cont {
	const char	*id;		/* borrowed message id, or NULL */
	size_t		 idlen;
	size_t		 msg;		/* input index, NONE: a dummy */
	size_t		 parent, child, next;
	int64_t		 newest;	/* newest date in the subtree */
	int64_t		 newest_id;
};

struct threader {
	const struct jwz_in *in;
	size_t		 n;
	struct cont	*c;
	size_t		 nc, capc;
	size_t		*hash;		/* container indices, NONE: empty */
	size_t		 hmask;
};

static uint64_t
hash_id(const char *s, size_t len)
{
	uint64_t	h = 1469598103934665603ULL;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t
cont_new(struct threader *t, const char *id, size_t len)
{
	struct cont	*c;

	if (t->nc == t->capc) {
		t->capc = t->capc ? t->capc * 2 : 64;
		t->c = xreallocarray(t->c, t->capc, sizeof *t->c);
	}
	c = &t->c[t->nc];
	c->id = id;
	c->idlen = len;
	c->msg = c->parent = c->child = c->next = NONE;
	c->newest = INT64_MIN;
	c->newest_id = INT64_MIN;
	return t->nc++;
}

/* The container for an id, made when missing. */
static size_t
cont_for(struct threader *t, const char *id, size_t len)
{
	size_t	h = (size_t)hash_id(id, len) & t->hmask, ci;

	while ((ci = t->hash[h]) != NONE) {
		if (t->c[ci].idlen == len && memcmp(t->c[ci].id, id, len) == 0)
			return ci;
		h = (h + 1) & t->hmask;
	}
	ci = cont_new(t, id, len);
	t->hash[h] = ci;
	return ci;
}

/*
 * Is a an ancestor of b (or b itself)? A chain deeper than THREAD_MAX_WALK
 * counts as yes, so that a link is refused: hostile References cannot make
 * each new link cost the whole depth.
 */
static bool
is_ancestor(const struct threader *t, size_t a, size_t b)
{
	int	steps = 0;

	for (; b != NONE; b = t->c[b].parent)
		if (b == a || ++steps > THREAD_MAX_WALK)
			return true;
	return false;
}

static void
unlink_child(struct threader *t, size_t ci)
{
	size_t	p = t->c[ci].parent, *pp;

	if (p == NONE)
		return;
	for (pp = &t->c[p].child; *pp != NONE; pp = &t->c[*pp].next)
		if (*pp == ci) {
			*pp = t->c[ci].next;
			break;
		}
	t->c[ci].parent = t->c[ci].next = NONE;
}

static void
link_child(struct threader *t, size_t parent, size_t ci)
{
	t->c[ci].parent = parent;
	t->c[ci].next = t->c[parent].child;
	t->c[parent].child = ci;
}

/* Next id token of a References-like list: "<a> <b>" or "a b". */
static const char *
next_id(const char **sp, size_t *len)
{
	const char	*s = *sp, *start;

	while (*s == ' ' || *s == '\t' || *s == '<' || *s == '>' || *s == ',')
		s++;
	if (*s == '\0')
		return NULL;
	start = s;
	while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '<' &&
	    *s != '>' && *s != ',')
		s++;
	*len = (size_t)(s - start);
	*sp = s;
	return start;
}

/* Steps 1A-1C of JWZ for one message. */
static void
thread_add(struct threader *t, size_t mi)
{
	const struct jwz_in	*m = &t->in[mi];
	const char		*p, *id, *ids[THREAD_MAX_REFS + 1];
	size_t			 lens[THREAD_MAX_REFS + 1], nids = 0, len, i;
	size_t			 ci, prev, cur;

	if (m->message_id != NULL && *m->message_id != '\0') {
		ci = cont_for(t, m->message_id, strlen(m->message_id));
		/* A second message with the same id gets its own box. */
		if (t->c[ci].msg != NONE)
			ci = cont_new(t, NULL, 0);
	} else
		ci = cont_new(t, NULL, 0);
	t->c[ci].msg = mi;

	p = m->refs != NULL ? m->refs : "";
	while (nids < THREAD_MAX_REFS && (id = next_id(&p, &len)) != NULL) {
		ids[nids] = id;
		lens[nids++] = len;
	}
	/* In-Reply-To counts when References does not end with it. */
	if (m->in_reply_to != NULL && (p = m->in_reply_to,
	    (id = next_id(&p, &len)) != NULL) && (nids == 0 ||
	    lens[nids - 1] != len || memcmp(ids[nids - 1], id, len) != 0)) {
		ids[nids] = id;
		lens[nids++] = len;
	}

	prev = NONE;
	for (i = 0; i < nids; i++) {
		cur = cont_for(t, ids[i], lens[i]);
		if (prev != NONE && t->c[cur].parent == NONE &&
		    !is_ancestor(t, cur, prev))
			link_child(t, prev, cur);
		prev = cur;
	}
	/* The last reference is the parent, whatever was guessed before. */
	if (prev != NONE && !is_ancestor(t, ci, prev)) {
		unlink_child(t, ci);
		link_child(t, prev, ci);
	}
}

/* Every container under the sibling list first, parents before children. */
static size_t *
preorder(const struct threader *t, size_t first, size_t *norder)
{
	size_t	*stack, sp = 0, cap = 64, *order = NULL, capo = 0, ci, kid;

	*norder = 0;
	stack = xreallocarray(NULL, cap, sizeof *stack);
	for (ci = first; ci != NONE; ci = t->c[ci].next) {
		if (sp == cap) {
			cap *= 2;
			stack = xreallocarray(stack, cap, sizeof *stack);
		}
		stack[sp++] = ci;
	}
	while (sp > 0) {
		ci = stack[--sp];
		if (*norder == capo) {
			capo = capo ? capo * 2 : 64;
			order = xreallocarray(order, capo, sizeof *order);
		}
		order[(*norder)++] = ci;
		for (kid = t->c[ci].child; kid != NONE; kid = t->c[kid].next) {
			if (sp == cap) {
				cap *= 2;
				stack = xreallocarray(stack, cap, sizeof *stack);
			}
			stack[sp++] = kid;
		}
	}
	free(stack);
	return order;
}

/*
 * Step 4 for one sibling list whose members are already pruned: drop empty
 * dummies, lift the children of a dummy into its place (at the root only
 * when it has a single child, so that unrelated replies stay apart).
 */
static void
prune_list(struct threader *t, size_t parent, size_t *first)
{
	size_t	*pp = first, ci, kid, last, nkids;

	while ((ci = *pp) != NONE) {
		if (t->c[ci].msg != NONE) {
			pp = &t->c[ci].next;
			continue;
		}
		if (t->c[ci].child == NONE) {
			*pp = t->c[ci].next;
			t->c[ci].parent = t->c[ci].next = NONE;
			continue;
		}
		nkids = 0;
		for (kid = t->c[ci].child; kid != NONE; kid = t->c[kid].next)
			nkids++;
		if (parent == NONE && nkids > 1) {
			pp = &t->c[ci].next;
			continue;
		}
		last = NONE;
		for (kid = t->c[ci].child; kid != NONE; kid = t->c[kid].next) {
			t->c[kid].parent = parent;
			last = kid;
		}
		t->c[last].next = t->c[ci].next;
		*pp = t->c[ci].child;
		t->c[ci].child = t->c[ci].next = NONE;
		t->c[ci].parent = NONE;
		/* The lifted children are looked at in turn. */
	}
}

/* Step 4 without recursion: a References chain can be thousands deep. */
static void
prune(struct threader *t, size_t *first)
{
	size_t	*order, norder, i;

	order = preorder(t, *first, &norder);
	for (i = norder; i-- > 0;)
		prune_list(t, order[i], &t->c[order[i]].child);
	free(order);
	prune_list(t, NONE, first);
}

/* Does the subject carry a reply or forward marker? */
static bool
is_reply_subject(const char *s)
{
	char	*base = mail_thread_subject_base(s);
	bool	 reply;

	while (*s == ' ')
		s++;
	reply = strcmp(base, s) != 0;
	free(base);
	return reply;
}

/* A sortable date for a container: its message's, else its first child's. */
static const struct jwz_in *
cont_msg(const struct threader *t, size_t ci)
{
	while (ci != NONE && t->c[ci].msg == NONE)
		ci = t->c[ci].child;
	return ci == NONE ? NULL : &t->in[t->c[ci].msg];
}

/*
 * Step 5, as mutt does it: a root whose subject is a reply ("Re: x") goes
 * under the root that started "x" (a non-reply one if there is one, else
 * the oldest). Roots that merely share a subject ("Your order has
 * shipped") stay apart: they are different conversations.
 */
static void
group_subjects(struct threader *t, size_t *roots, size_t nroots)
{
	char			**base = xcalloc(nroots + 1, sizeof *base);
	bool			 *reply = xcalloc(nroots + 1, sizeof *reply);
	size_t			  i, j, lead;
	const struct jwz_in	 *mi, *ml;

	for (i = 0; i < nroots; i++) {
		mi = cont_msg(t, roots[i]);
		base[i] = mail_thread_subject_base(mi != NULL ? mi->subject :
		    NULL);
		reply[i] = mi != NULL && mi->subject != NULL &&
		    is_reply_subject(mi->subject);
	}
	/* Quadratic in the roots of one block: a few hundred at most. */
	for (i = 0; i < nroots; i++) {
		if (!reply[i] || *base[i] == '\0')
			continue;
		lead = (size_t)-1;
		for (j = 0; j < nroots; j++) {
			if (j == i || roots[j] == NONE ||
			    strcmp(base[i], base[j]) != 0)
				continue;
			mi = cont_msg(t, roots[j]);
			ml = lead != (size_t)-1 ? cont_msg(t, roots[lead]) : NULL;
			if (lead == (size_t)-1 || (reply[lead] && !reply[j]) ||
			    (reply[lead] == reply[j] && mi != NULL &&
			    ml != NULL && (mi->date < ml->date ||
			    (mi->date == ml->date && mi->id < ml->id))))
				lead = j;
		}
		mi = cont_msg(t, roots[i]);
		ml = lead != (size_t)-1 ? cont_msg(t, roots[lead]) : NULL;
		/* A reply to a later message is not its reply. */
		if (ml == NULL || mi == NULL || (reply[lead] &&
		    (ml->date > mi->date || (ml->date == mi->date &&
		    ml->id > mi->id))))
			continue;
		link_child(t, roots[lead], roots[i]);
		roots[i] = NONE;
	}
	for (i = 0; i < nroots; i++)
		free(base[i]);
	free(base);
	free(reply);
}

static int
cmp_newest_desc(const struct cont *a, const struct cont *b)
{
	if (a->newest != b->newest)
		return a->newest > b->newest ? -1 : 1;
	if (a->newest_id != b->newest_id)
		return a->newest_id > b->newest_id ? -1 : 1;
	return 0;
}

static int
cmp_child(const void *a, const void *b, void *arg)
{
	const struct threader	*t = arg;
	const struct cont	*ca = &t->c[*(const size_t *)a];
	const struct cont	*cb = &t->c[*(const size_t *)b];
	const struct jwz_in	*ma = cont_msg(t, *(const size_t *)a);
	const struct jwz_in	*mb = cont_msg(t, *(const size_t *)b);
	int64_t			 da = ma ? ma->date : ca->newest;
	int64_t			 db = mb ? mb->date : cb->newest;
	int64_t			 ia = ma ? ma->id : 0, ib = mb ? mb->id : 0;

	if (da != db)
		return da < db ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

static int
cmp_root(const void *a, const void *b, void *arg)
{
	const struct threader	*t = arg;

	return cmp_newest_desc(&t->c[*(const size_t *)a],
	    &t->c[*(const size_t *)b]);
}

/* Newest date of every subtree (children before parents), children
 * sorted oldest first. */
static void
sort_tree(struct threader *t, size_t root)
{
	size_t	*order, norder, i, n, k, kid, *kids = NULL, capk = 0;
	size_t	 saved = t->c[root].next;

	/* preorder() walks a sibling list: make the root a list of one. */
	t->c[root].next = NONE;
	order = preorder(t, root, &norder);
	t->c[root].next = saved;
	for (i = norder; i-- > 0;) {
		struct cont *c = &t->c[order[i]];

		if (c->msg != NONE) {
			c->newest = t->in[c->msg].date;
			c->newest_id = t->in[c->msg].id;
		}
		n = 0;
		for (kid = c->child; kid != NONE; kid = t->c[kid].next) {
			if (cmp_newest_desc(&t->c[kid], c) < 0) {
				c->newest = t->c[kid].newest;
				c->newest_id = t->c[kid].newest_id;
			}
			if (n == capk) {
				capk = capk ? capk * 2 : 16;
				kids = xreallocarray(kids, capk, sizeof *kids);
			}
			kids[n++] = kid;
		}
		if (n > 1) {
			qsort_r(kids, n, sizeof *kids, cmp_child, t);
			c->child = kids[0];
			for (k = 0; k + 1 < n; k++)
				t->c[kids[k]].next = kids[k + 1];
			t->c[kids[n - 1]].next = NONE;
		}
	}
	free(kids);
	free(order);
}

/* The "│ ├─>" prefix of a container at depth: walks its ancestors. */
static char *
tree_prefix(const struct threader *t, size_t ci, int depth)
{
	char	*out, *p;
	int	 levels = depth < THREAD_MAX_LEVELS ? depth : THREAD_MAX_LEVELS;
	int	 lvl;
	size_t	 a;

	if (depth <= 0)
		return xstrdup("");
	/* Each level is at most 3 columns of up to 3 bytes, plus "…". */
	out = xmalloc((size_t)levels * 9 + 8);
	p = out + (size_t)levels * 9 + 7;
	*p = '\0';
#define PUT(s) do { size_t l_ = strlen(s); p -= l_; memcpy(p, s, l_); } while (0)
	PUT(t->c[ci].next != NONE ? "├─>" : "└─>");
	a = t->c[ci].parent;
	for (lvl = 1; lvl < levels && a != NONE; lvl++) {
		/* Skip dummies: they have no row of their own. */
		while (a != NONE && t->c[a].msg == NONE)
			a = t->c[a].parent;
		if (a == NONE)
			break;
		PUT(t->c[a].next != NONE ? "│ " : "  ");
		a = t->c[a].parent;
	}
	if (depth > levels)
		PUT("…");
#undef PUT
	memmove(out, p, strlen(p) + 1);
	return out;
}

/* Depth-first output of one tree; dummies add no row and no depth. */
static void
emit(struct threader *t, size_t root, struct jwz_out *out, size_t *nout)
{
	struct frame { size_t ci; int depth; } *stack;
	size_t	 sp = 0, cap = 64, kid, n, i;
	size_t	*kids = NULL, capk = 0;

	stack = xreallocarray(NULL, cap, sizeof *stack);
	stack[sp].ci = root;
	stack[sp++].depth = 0;
	while (sp > 0) {
		struct frame	f = stack[--sp];
		int		kdepth = f.depth;

		if (t->c[f.ci].msg != NONE) {
			out[*nout].index = t->c[f.ci].msg;
			out[*nout].depth = f.depth;
			out[*nout].tree = tree_prefix(t, f.ci, f.depth);
			(*nout)++;
			kdepth = f.depth + 1;
		}
		/* Push children last-first so the first is popped first. */
		n = 0;
		for (kid = t->c[f.ci].child; kid != NONE; kid = t->c[kid].next) {
			if (n == capk) {
				capk = capk ? capk * 2 : 16;
				kids = xreallocarray(kids, capk, sizeof *kids);
			}
			kids[n++] = kid;
		}
		for (i = n; i-- > 0;) {
			if (sp == cap) {
				cap *= 2;
				stack = xreallocarray(stack, cap, sizeof *stack);
			}
			stack[sp].ci = kids[i];
			stack[sp++].depth = kdepth;
		}
	}
	free(kids);
	free(stack);
}

void
jwz_build(const struct jwz_in *in, size_t n, struct jwz_out **outp)
{
	struct threader	 t = { 0 };
	struct jwz_out *out;
	size_t		 i, hcap, nroots = 0, *roots, nout = 0, first = NONE;
	size_t		 last = NONE;

	*outp = out = xcalloc(n > 0 ? n : 1, sizeof *out);
	if (n == 0)
		return;
	t.in = in;
	t.n = n;
	/* Grown below when half full: a container per message and per id. */
	for (hcap = 64; hcap < 4 * n; hcap *= 2)
		;
	t.hash = xreallocarray(NULL, hcap, sizeof *t.hash);
	memset(t.hash, 0xff, hcap * sizeof *t.hash);
	t.hmask = hcap - 1;

	for (i = 0; i < n; i++) {
		/* Keep the table at most half full: grow by rehashing. */
		if (2 * (t.nc + THREAD_MAX_REFS + 2) > hcap) {
			size_t	 j, h;

			hcap *= 2;
			free(t.hash);
			t.hash = xreallocarray(NULL, hcap, sizeof *t.hash);
			memset(t.hash, 0xff, hcap * sizeof *t.hash);
			t.hmask = hcap - 1;
			for (j = 0; j < t.nc; j++) {
				if (t.c[j].id == NULL)
					continue;
				h = (size_t)hash_id(t.c[j].id, t.c[j].idlen) &
				    t.hmask;
				while (t.hash[h] != NONE)
					h = (h + 1) & t.hmask;
				t.hash[h] = j;
			}
		}
		thread_add(&t, i);
	}

	/* The root set as one sibling list, pruned. */
	for (i = 0; i < t.nc; i++) {
		if (t.c[i].parent != NONE)
			continue;
		t.c[i].next = NONE;
		if (last == NONE)
			first = i;
		else
			t.c[last].next = i;
		last = i;
	}
	prune(&t, &first);

	roots = xreallocarray(NULL, t.nc, sizeof *roots);
	for (i = first; i != NONE; i = t.c[i].next)
		roots[nroots++] = i;
	group_subjects(&t, roots, nroots);
	for (i = 0, first = 0; i < nroots; i++)
		if (roots[i] != NONE) {
			t.c[roots[i]].next = NONE;
			roots[first++] = roots[i];
		}
	nroots = first;
	for (i = 0; i < nroots; i++)
		sort_tree(&t, roots[i]);
	qsort_r(roots, nroots, sizeof *roots, cmp_root, &t);
	for (i = 0; i < nroots; i++)
		emit(&t, roots[i], out, &nout);

	free(roots);
	free(t.hash);
	free(t.c);
}

void
jwz_out_free(struct jwz_out *out, size_t n)
{
	size_t	i;

	if (out == NULL)
		return;
	for (i = 0; i < n; i++)
		free(out[i].tree);
	free(out);
}
