/*
 * app_worker_util.c - the bottom floor of the account worker: the worker's
 * copy of the account and its release, time and the pipes. It calls no
 * other file of the worker.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app-worker-int.h"

/* ---- copies ---------------------------------------------------------------- */

char *
worker_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Wipe and free a password (NULL is fine). */
void
worker_secret_drop(char *pw)
{
	if (pw == NULL)
		return;
	explicit_bzero(pw, strlen(pw));
	free(pw);
}

static void
endpoint_copy(struct endpoint *d, const struct endpoint *s)
{
	*d = *s;
	d->host = worker_dup(s->host);
	d->user = worker_dup(s->user);
	d->password = worker_dup(s->password);
	d->password_command = worker_dup(s->password_command);
	d->oauth2_token_command = worker_dup(s->oauth2_token_command);
}

static void
endpoint_free(struct endpoint *e)
{
	free(e->host);
	free(e->user);
	worker_secret_drop(e->password);
	free(e->password_command);
	free(e->oauth2_token_command);
}

/* A deep copy of an account, so the worker outlives the caller's config. */
void
worker_account_copy(struct app_worker *w, const struct account *a)
{
	struct account	*d = &w->acct;

	*d = *a;
	d->name = xstrdup(a->name);
	w->acct_file = worker_dup(a->file);
	d->file = w->acct_file;
	d->email = worker_dup(a->email);
	d->real_name = worker_dup(a->real_name);
	endpoint_copy(&d->in, &a->in);
	endpoint_copy(&d->smtp, &a->smtp);
	d->ca_file = worker_dup(a->ca_file);
	d->cert_fingerprint = worker_dup(a->cert_fingerprint);
	d->signature = worker_dup(a->signature);
	/* The worker refreshes OAuth2 access tokens with these. */
	config_oauth2_conf_copy(&d->oauth2, &a->oauth2);
}

static void
account_release(struct app_worker *w)
{
	struct account	*d = &w->acct;

	free(d->name);
	free(w->acct_file);
	free(d->email);
	free(d->real_name);
	endpoint_free(&d->in);
	endpoint_free(&d->smtp);
	free(d->ca_file);
	free(d->cert_fingerprint);
	free(d->signature);
	config_oauth2_conf_free(&d->oauth2);
}

void
worker_free(struct app_worker *w)
{
	account_release(w);
	free(w->store_path);
	free(w->trace);
	free(w->new_mail_command);
	free(w->start_watch);
	worker_secret_drop(w->password);
	free(w->watch);
	free(w->fetch);
	free(w->ev);
	if (w->wake[0] != -1)
		close(w->wake[0]);
	if (w->wake[1] != -1)
		close(w->wake[1]);
	if (w->evp[0] != -1)
		close(w->evp[0]);
	if (w->evp[1] != -1)
		close(w->evp[1]);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

/* Drop one reference (mu not held); the last one frees the worker. */
void
worker_unref(struct app_worker *w)
{
	int	left;

	pthread_mutex_lock(&w->mu);
	left = --w->refs;
	pthread_mutex_unlock(&w->mu);
	if (left == 0)
		worker_free(w);
}

/* ---- time and pipes ----------------------------------------------------------- */

int64_t
worker_now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
worker_poke(int fd)
{
	ssize_t	n;

	/* A full pipe already says "look": EAGAIN is fine. */
	do
		n = write(fd, "x", 1);
	while (n == -1 && errno == EINTR);
}

void
worker_drain(int fd)
{
	char	buf[64];

	while (read(fd, buf, sizeof buf) > 0)
		;
}

/* Wait up to ms (-1: forever) for the wake pipe. */
void
worker_wait_wake(struct app_worker *w, int64_t ms)
{
	struct pollfd	pfd;
	int		r;

	if (ms > INT32_MAX)
		ms = INT32_MAX;
	pfd.fd = w->wake[0];
	pfd.events = POLLIN;
	pfd.revents = 0;
	do
		r = poll(&pfd, 1, (int)ms);
	while (r == -1 && errno == EINTR);
}
