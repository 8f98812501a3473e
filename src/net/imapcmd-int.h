/*
 * imapcmd-int.h - private to the imapcmd*.c files (the IMAP command
 * families, see imapcmd.c): error helpers, UID sets, reading one FETCH
 * response and streaming a FETCH through libetpan's per-message handler.
 * The raw command path is imap.c's (net-int.h): imap.c is the floor below
 * every imapcmd*.c file and includes nothing of theirs; imapcmd.c's top
 * comment gives the order of the floors above it.
 */
#ifndef POSTA_IMAPCMD_INT_H
#define POSTA_IMAPCMD_INT_H

#include "net/net-int.h"

/*
 * err for libetpan's r: PERR_GENERIC (or `refused`, for commands where a NO
 * means "no such mailbox") when the server only said no, else what
 * imap_error() makes of a broken session. Returns -1.
 */
int	imapcmd_fail(struct imap_conn *c, int r, const char *what,
	    enum perr_code refused, struct perr *err);
/* err for a failed allocation inside libetpan. Returns -1. */
int	imapcmd_nomem(struct imap_conn *c, struct perr *err);

/* The UIDs v[0..n) as a libetpan set (ranges where they run); NULL: ENOMEM. */
struct mailimap_set *imapcmd_set_of(const uint32_t *v, size_t n);
/* The UIDs v[0..n) as the text of a sequence set, in their order, rising
 * runs as ranges ("1:3,7"); malloc'd. */
char		*imapcmd_uid_set_text(const uint32_t *v, size_t n);

/* A growing space-separated word list. */
struct words {
	char	*s;
	size_t	 len, cap;
};

/* Everything we may read from one FETCH response, borrowed from it. */
struct parsed {
	uint32_t			 uid;
	bool				 has_flags;
	unsigned			 flags;
	struct words			 kw;
	uint64_t			 modseq;
	int64_t				 internal_date;
	uint32_t			 size;
	struct mailimap_envelope	*env;
	struct mailimap_body		*bs;
	const char			*section;
	size_t				 section_len;
	bool				 has_section;
};

/* Read what p holds from one FETCH response (pointers borrowed from ma). */
void	imapcmd_parse(const struct mailimap_msg_att *ma, struct parsed *p);

/* What the per-message handler does with each parsed response. */
struct stream {
	void		(*each)(struct stream *, const struct mailimap_msg_att *);
	void		*arg;		/* the caller's callback argument */
	int		 stop;		/* first non-zero callback return */
	imap_flags_cb	 flags_cb;	/* the caller's callback, by kind */
	imap_header_cb	 header_cb;
	imap_body_cb	 body_cb;
	/* Bodies. */
	char		*buf;
	size_t		 len, cap, max;
	size_t		 seen;		/* of this body, kept or not */
	bool		 got_body, too_big;
};

/*
 * Hand each message of the coming reply to s->each (and bound the reply
 * as a streamed FETCH); imapcmd_stream_off() puts the session back.
 */
void	imapcmd_stream_on(struct imap_conn *c, struct stream *s);
void	imapcmd_stream_off(struct imap_conn *c);
/* A struct stream's each for FLAGS: s->flags_cb per message. */
void	imapcmd_flags_each(struct stream *s, const struct mailimap_msg_att *ma);

/*
 * The list a UID FETCH returned in *result, freed when it is ours (see
 * imapcmd-fetch.c).
 */
void	imapcmd_fetch_list_free(int r, clist *res);
/* Add att to ft (att freed on failure). 0, or -1: out of memory. */
int	imapcmd_ft_add(struct mailimap_fetch_type *ft,
	    struct mailimap_fetch_att *att);

#endif
