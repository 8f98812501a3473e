/*
 * prompt.c - the one-line prompt: typing, Backspace, ^U, ^W, Tab
 * completion (common prefix, candidates shown), Enter and Esc/^G. It is a
 * state of the UI, not a loop of its own: keys arrive through the same
 * poll() as everything else, so a worker's events are never held up.
 */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"

#define PROMPT_MAX	1024	/* bytes of input */

void
prompt_init(struct prompt *pr)
{
	memset(pr, 0, sizeof *pr);
}

static void
prompt_end(struct prompt *pr)
{
	if (pr->buf != NULL)
		explicit_bzero(pr->buf, pr->cap);
	free(pr->label);
	free(pr->buf);
	free(pr->hint);
	pr->label = pr->buf = pr->hint = NULL;
	pr->len = pr->cap = 0;
	pr->active = false;
	pr->onekey = false;
	pr->secret = false;
	pr->done = NULL;
	pr->complete = NULL;
}

void
prompt_free(struct prompt *pr)
{
	prompt_end(pr);
}

void
prompt_start(struct prompt *pr, const char *label, prompt_done_fn done,
    prompt_complete_fn complete)
{
	prompt_end(pr);
	pr->active = true;
	pr->label = xstrdup(label);
	pr->cap = 64;
	pr->buf = xcalloc(1, pr->cap);
	pr->done = done;
	pr->complete = complete;
}

static void	append(struct prompt *, const char *, size_t);

void
prompt_start_with(struct prompt *pr, const char *label, const char *text,
    prompt_done_fn done, prompt_complete_fn complete)
{
	prompt_start(pr, label, done, complete);
	if (text != NULL)
		append(pr, text, strlen(text));
}

void
prompt_ask(struct prompt *pr, const char *label, prompt_done_fn done)
{
	prompt_start(pr, label, done, NULL);
	pr->onekey = true;
}

void
prompt_secret(struct prompt *pr, const char *label, prompt_done_fn done)
{
	prompt_start(pr, label, done, NULL);
	/* Room for all of it now: a realloc would leave a copy unwiped. */
	pr->cap = PROMPT_MAX;
	free(pr->buf);
	pr->buf = xcalloc(1, pr->cap);
	pr->secret = true;
}

static void
append(struct prompt *pr, const char *s, size_t n)
{
	if (pr->len + n >= PROMPT_MAX)
		return;
	if (pr->len + n + 1 > pr->cap) {
		pr->cap = (pr->len + n + 1) * 2;
		pr->buf = xrealloc(pr->buf, pr->cap);
	}
	memcpy(pr->buf + pr->len, s, n);
	pr->len += n;
	pr->buf[pr->len] = '\0';
}

static void
append_cp(struct prompt *pr, int c)
{
	char	u[4];
	size_t	n;

	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	append(pr, u, n);
}

static void
backspace(struct prompt *pr)
{
	while (pr->len > 0) {
		pr->len--;
		if (((unsigned char)pr->buf[pr->len] & 0xc0) != 0x80)
			break;
	}
	pr->buf[pr->len] = '\0';
}

static void
kill_word(struct prompt *pr)
{
	while (pr->len > 0 && pr->buf[pr->len - 1] == ' ')
		pr->len--;
	while (pr->len > 0 && pr->buf[pr->len - 1] != ' ')
		pr->len--;
	pr->buf[pr->len] = '\0';
}

static void
complete(struct tui *t, struct prompt *pr)
{
	const char	**c;
	size_t		 n, i, common;
	char		*hint;

	free(pr->hint);
	pr->hint = NULL;
	if (pr->complete == NULL)
		return;
	c = pr->complete(t, pr->buf, &n);
	if (n == 0) {
		pr->hint = xstrdup(_("no completions"));
		free(c);
		return;
	}
	/* One candidate that does not extend the text (an address found by
	 * a word of its name): it replaces the text. */
	if (n == 1 && strncmp(c[0], pr->buf, pr->len) != 0) {
		pr->len = 0;
		pr->buf[0] = '\0';
		append(pr, c[0], strlen(c[0]));
		free(c);
		return;
	}
	/* Extend to what every candidate shares. */
	common = strlen(c[0]);
	for (i = 1; i < n; i++) {
		size_t j = 0;

		while (j < common && c[i][j] == c[0][j])
			j++;
		common = j;
	}
	if (common > pr->len && strncmp(c[0], pr->buf, pr->len) == 0)
		append(pr, c[0] + pr->len, common - pr->len);
	if (n > 1) {
		hint = xstrdup("");
		for (i = 0; i < n; i++) {
			char *next = xasprintf("%s%s%s", hint, i ? " " : "",
			    c[i]);

			free(hint);
			hint = next;
		}
		pr->hint = hint;
	}
	free(c);
}

void
prompt_key(struct tui *t, struct prompt *pr, int key)
{
	prompt_done_fn	 done;
	char		*text;

	if (pr->onekey && key != 27 && key != TUI_CTRL('G')) {
		char	answer[2] = { 0, 0 };

		/* y/n questions: one key answers, anything but y is no. */
		if ((key & TUI_KEY_FN) == 0 && key > ' ' && key < 0x7f)
			answer[0] = (char)key;
		done = pr->done;
		prompt_end(pr);
		if (done != NULL)
			done(t, answer);
		return;
	}
	if (key == '\r' || key == '\n' || key == (TUI_KEY_FN | KEY_ENTER)) {
		done = pr->done;
		text = xstrdup(pr->buf);
		prompt_end(pr);
		if (done != NULL)
			done(t, text);
		explicit_bzero(text, strlen(text));
		free(text);
		return;
	}
	if (key == 27 || key == TUI_CTRL('G')) {
		prompt_end(pr);
		return;
	}
	free(pr->hint);
	pr->hint = NULL;
	if (key == 127 || key == 8 || key == (TUI_KEY_FN | KEY_BACKSPACE))
		backspace(pr);
	else if (key == TUI_CTRL('U')) {
		pr->len = 0;
		pr->buf[0] = '\0';
	}
	else if (key == TUI_CTRL('W'))
		kill_word(pr);
	else if (key == '\t')
		complete(t, pr);
	else if ((key & TUI_KEY_FN) == 0 && key >= 0x20 && key != 0x7f &&
	    !(key >= 0x80 && key < 0xa0) && key < 0x110000 &&
	    !(key >= 0xd800 && key < 0xe000))
		append_cp(pr, key);
}
