/*
 * Sign-in and sessions of the clerk UI.
 *
 * Accounts live in [web] users_file (firmware/accounts/accounts.h) with the attributes
 * "role=clerk|supervisor,lang=en|fr|ar"; a language the user picks on the screen is kept in
 * the store (store_pref_set()), since foliod writes nothing outside it. Sessions are kept in memory only: a restart of
 * foliod signs everyone out. Tokens are 32 random bytes; the session cookie and the CSRF
 * token are different ones, compared in constant time.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "firmware/accounts/accounts.h"
#include "firmware/web/web_int.h"

static time_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void new_token(char out[WEB_TOKEN_HEX + 1])
{
	unsigned char raw[WEB_TOKEN_HEX / 2];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, WEB_TOKEN_HEX + 1, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

static bool token_equal(const char *a, const char *b)
{
	return strlen(a) == WEB_TOKEN_HEX && strlen(b) == WEB_TOKEN_HEX &&
	       sodium_memcmp(a, b, WEB_TOKEN_HEX) == 0;
}

static bool expired(const struct web *w, const struct web_session *s, time_t now)
{
	return now - s->last_seen > (time_t)w->cfg->web_idle_minutes * 60;
}

int web_session_new(struct web *w, const char *user, enum web_role role, const char *lang,
		    struct web_session *ret)
{
	struct web_session *slot = NULL, *own_oldest = NULL;
	time_t now = mono_now();
	unsigned own = 0;
	bool evicted = false;

	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < WEB_SESSIONS; i++) {
		struct web_session *s = &w->sessions[i];

		if (s->token[0] && expired(w, s, now))
			memset(s, 0, sizeof(*s));
		if (!s->token[0]) {
			if (!slot)
				slot = s;
			continue;
		}
		if (strcmp(s->user, user) == 0) {
			own++;
			if (!own_oldest || s->last_seen < own_oldest->last_seen)
				own_oldest = s;
		}
	}
	/* A user's own sessions are capped: the one of theirs idle longest makes room. Never
	 * another user's: one account cannot sign everyone out. */
	if (own >= WEB_SESSIONS_PER_USER || (!slot && own_oldest)) {
		slot = own_oldest;
		evicted = true;
	}
	if (!slot) {
		pthread_mutex_unlock(&w->lock);
		return -EUSERS;
	}
	memset(slot, 0, sizeof(*slot));
	new_token(slot->token);
	new_token(slot->csrf);
	snprintf(slot->user, sizeof(slot->user), "%s", user);
	slot->role = role;
	snprintf(slot->lang, sizeof(slot->lang), "%s", lang);
	slot->last_seen = now;
	*ret = *slot;
	pthread_mutex_unlock(&w->lock);
	if (evicted)
		live_sessions_changed(w);
	return 0;
}

bool web_session_find(struct web *w, const char *token, bool touch, struct web_session *ret)
{
	time_t now = mono_now();
	bool found = false;

	if (!token)
		return false;
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < WEB_SESSIONS && !found; i++) {
		struct web_session *s = &w->sessions[i];

		if (!s->token[0] || !token_equal(s->token, token))
			continue;
		if (expired(w, s, now)) {
			memset(s, 0, sizeof(*s));
			break;
		}
		if (touch)
			s->last_seen = now;
		*ret = *s;
		found = true;
	}
	pthread_mutex_unlock(&w->lock);
	return found;
}

void web_session_end(struct web *w, const char *token)
{
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < WEB_SESSIONS; i++)
		if (w->sessions[i].token[0] && token_equal(w->sessions[i].token, token))
			memset(&w->sessions[i], 0, sizeof(w->sessions[i]));
	pthread_mutex_unlock(&w->lock);
	live_sessions_changed(w); /* its event streams end now */
}

void web_session_set_lang(struct web *w, const char *token, const char *lang)
{
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < WEB_SESSIONS; i++)
		if (w->sessions[i].token[0] && token_equal(w->sessions[i].token, token))
			snprintf(w->sessions[i].lang, sizeof(w->sessions[i].lang), "%s", lang);
	pthread_mutex_unlock(&w->lock);
}

/* Whether @l holds nothing to keep: no failures, no attempt in flight, no lockout. */
static bool lock_idle(const struct web_lock *l, time_t now)
{
	return !l->pending && !l->failures && l->until <= now;
}

/*
 * The record of @key in table @t, made when @create and a record is idle; NULL otherwise
 * (a full table of live records refuses rather than forget failures). Under w->lock.
 */
static struct web_lock *lock_find(struct web_lock *t, size_t n, const char *key, bool create,
				  time_t now)
{
	struct web_lock *free_slot = NULL;

	for (size_t i = 0; i < n; i++) {
		struct web_lock *l = &t[i];

		if (l->key[0] && strcmp(l->key, key) == 0)
			return l;
		if (!free_slot && (!l->key[0] || lock_idle(l, now)))
			free_slot = l;
	}
	if (!create || !free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	snprintf(free_slot->key, sizeof(free_slot->key), "%s", key);
	return free_slot;
}

/* Address failures older than their window are forgotten. Under w->lock. */
static void addr_windows(struct web *w, time_t now)
{
	for (size_t i = 0; i < WEB_ADDRS; i++) {
		struct web_lock *l = &w->addrs[i];

		if (l->failures && l->until <= now && now - l->since >= WEB_ADDR_WINDOW)
			l->failures = 0;
	}
}

/* 0 when one more attempt may start on @l; -EBUSY with the wait otherwise. */
static int admit(const struct web_lock *l, unsigned max, time_t now, unsigned *ret_wait)
{
	if (!l) {
		*ret_wait = WEB_ADDR_WINDOW;
		return -EBUSY;
	}
	if (l->until > now) {
		*ret_wait = (unsigned)(l->until - now);
		return -EBUSY;
	}
	if (l->failures + l->pending >= max) { /* the ones in flight decide */
		*ret_wait = 1;
		return -EBUSY;
	}
	return 0;
}

static void count_failure(struct web_lock *l, unsigned max, unsigned lockout, time_t now)
{
	if (!l->failures)
		l->since = now;
	if (++l->failures >= max) {
		l->until = now + lockout;
		l->failures = 0;
	}
}

/* Names of no account are counted, never stored: the journal gets a summary a minute. */
static void count_unknown(struct web *w, time_t now)
{
	w->unknown_names++;
	if (w->unknown_said && now - w->unknown_said < 60)
		return;
	log_warn("web: %" PRIu64 " failed sign-in%s with names of no account in the last "
		 "minute",
		 w->unknown_names, w->unknown_names == 1 ? "" : "s");
	w->unknown_names = 0;
	w->unknown_said = now;
}

/* "role=supervisor,lang=fr" -> role and language; unknown words are ignored. */
static void parse_attrs(const char *attrs, enum web_role *role, char lang[4])
{
	char copy[ACCOUNT_ATTRS_MAX + 1], *save = NULL, *a;

	*role = ROLE_CLERK;
	snprintf(lang, 4, "en");
	snprintf(copy, sizeof(copy), "%s", attrs);
	for (a = strtok_r(copy, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		if (strcmp(a, "role=supervisor") == 0)
			*role = ROLE_SUPERVISOR;
		else if (strcmp(a, "lang=fr") == 0 || strcmp(a, "lang=ar") == 0 ||
			 strcmp(a, "lang=en") == 0)
			snprintf(lang, 4, "%s", a + 5);
	}
}

/* The language a user chose on the screen, over the one of the account. */
static void chosen_lang(struct web *w, const char *user, char lang[4])
{
	char name[STORE_PREF_MAX + 1], v[4];

	snprintf(name, sizeof(name), "web-lang:%s", user);
	if (store_pref_get(w->store, name, v, sizeof(v)) == 0 &&
	    (strcmp(v, "en") == 0 || strcmp(v, "fr") == 0 || strcmp(v, "ar") == 0))
		memcpy(lang, v, 3);
}

/* Reserves one attempt on the address and the account, or -EBUSY. Under w->lock. */
static int login_begin(struct web *w, const char *user, bool known, const char *addr, time_t now,
		       struct web_lock **ret_a, struct web_lock **ret_u, unsigned *ret_wait)
{
	struct web_lock *a, *u = NULL;
	int r;

	addr_windows(w, now);
	a = lock_find(w->addrs, WEB_ADDRS, addr, true, now);
	r = admit(a, WEB_ADDR_FAILURES, now, ret_wait);
	if (r == 0 && known) {
		u = lock_find(w->locks, WEB_LOCKS, user, true, now);
		r = admit(u, (unsigned)w->cfg->web_max_failures, now, ret_wait);
	}
	if (r < 0)
		return r;
	a->pending++;
	if (u)
		u->pending++;
	*ret_a = a;
	*ret_u = u;
	return 0;
}

int web_login(struct web *w, const char *user, const char *password, const char *addr,
	      struct web_session *ret, unsigned *ret_wait, bool *ret_known)
{
	char attrs[ACCOUNT_ATTRS_MAX + 1] = "", lang[4];
	struct web_lock *a = NULL, *u = NULL;
	enum web_role role;
	time_t now = mono_now();
	int r, known = 0;

	*ret_wait = 0;
	*ret_known = false;
	if (account_name_valid(user))
		known = accounts_exists(w->cfg->web_users_file, user);
	if (known < 0) {
		r = known;
		goto unreadable;
	}
	*ret_known = known;

	/* Counted before the password is checked, under one lock: parallel guesses count. */
	pthread_mutex_lock(&w->lock);
	r = login_begin(w, user, known, addr, now, &a, &u, ret_wait);
	pthread_mutex_unlock(&w->lock);
	if (r < 0)
		return r;

	if (account_name_valid(user)) {
		/* One Argon2id at a time: each takes 64 MiB for a moment. */
		pthread_mutex_lock(&w->login_lock);
		r = accounts_login(w->cfg->web_users_file, user, password, attrs, sizeof(attrs));
		pthread_mutex_unlock(&w->login_lock);
	} else {
		r = -EACCES;
	}

	/* a and u stay theirs: a record with an attempt pending is never reused. */
	now = mono_now();
	pthread_mutex_lock(&w->lock);
	a->pending--;
	if (u)
		u->pending--;
	if (r == -EACCES) {
		count_failure(a, WEB_ADDR_FAILURES, WEB_ADDR_WINDOW, now);
		if (u)
			count_failure(u, (unsigned)w->cfg->web_max_failures,
				      (unsigned)w->cfg->web_lockout_seconds, now);
		else
			count_unknown(w, now);
	} else if (r == 0 && u) {
		u->failures = 0;
		u->until = 0;
	}
	pthread_mutex_unlock(&w->lock);
	if (r < 0 && r != -EACCES)
		goto unreadable;
	if (r < 0)
		return r;
	parse_attrs(attrs, &role, lang);
	chosen_lang(w, user, lang);
	return web_session_new(w, user, role, lang, ret);

unreadable:
	log_err("web: cannot check sign-ins against '%s': %s", w->cfg->web_users_file,
		r == -EPERM ? "group or others may read it, or it is another user's: chmod 600 it"
			    : folio_strerror(r));
	return -EIO;
}

int web_user_set_lang(struct web *w, const char *user, const char *lang)
{
	char name[STORE_PREF_MAX + 1];

	snprintf(name, sizeof(name), "web-lang:%s", user);
	return store_pref_set(w->store, user, name, lang);
}
