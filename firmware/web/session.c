/*
 * Sign-in and sessions of the clerk UI.
 *
 * Accounts live in [web] users_file (firmware/console/accounts.h) with the attributes
 * "role=clerk|supervisor,lang=en|fr|ar"; a language the user picks on the screen is kept in
 * the store (store_pref_set()), since foliod writes nothing outside it. Sessions are kept in memory only: a restart of
 * foliod signs everyone out. Tokens are 32 random bytes; the session cookie and the CSRF
 * token are different ones, compared in constant time.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "firmware/console/accounts.h"
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
	struct web_session *slot = NULL;
	time_t now = mono_now();

	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < WEB_SESSIONS; i++) {
		struct web_session *s = &w->sessions[i];

		if (s->token[0] && expired(w, s, now))
			memset(s, 0, sizeof(*s));
		if (!s->token[0] && !slot)
			slot = s;
	}
	if (!slot) { /* all taken: the one idle longest goes */
		slot = &w->sessions[0];
		for (size_t i = 1; i < WEB_SESSIONS; i++)
			if (w->sessions[i].last_seen < slot->last_seen)
				slot = &w->sessions[i];
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
}

void web_session_set_lang(struct web *w, const char *token, const char *lang)
{
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < WEB_SESSIONS; i++)
		if (w->sessions[i].token[0] && token_equal(w->sessions[i].token, token))
			snprintf(w->sessions[i].lang, sizeof(w->sessions[i].lang), "%s", lang);
	pthread_mutex_unlock(&w->lock);
}

/* The lock record of @user, made when @create; NULL otherwise. Under w->lock. */
static struct web_lock *lock_of(struct web *w, const char *user, bool create)
{
	struct web_lock *free_slot = NULL, *oldest = &w->locks[0];

	for (size_t i = 0; i < WEB_LOCKS; i++) {
		struct web_lock *l = &w->locks[i];

		if (l->user[0] && strcmp(l->user, user) == 0)
			return l;
		if (!l->user[0] && !free_slot)
			free_slot = l;
		if (l->until < oldest->until)
			oldest = l;
	}
	if (!create)
		return NULL;
	free_slot = free_slot ? free_slot : oldest;
	memset(free_slot, 0, sizeof(*free_slot));
	snprintf(free_slot->user, sizeof(free_slot->user), "%s", user);
	return free_slot;
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

int web_login(struct web *w, const char *user, const char *password, struct web_session *ret,
	      unsigned *ret_wait)
{
	char attrs[ACCOUNT_ATTRS_MAX + 1] = "", lang[4];
	enum web_role role;
	struct web_lock *l;
	time_t now = mono_now();
	int r;

	*ret_wait = 0;
	if (!account_name_valid(user))
		return -EACCES;
	pthread_mutex_lock(&w->lock);
	l = lock_of(w, user, false);
	if (l && l->until > now) {
		*ret_wait = (unsigned)(l->until - now);
		pthread_mutex_unlock(&w->lock);
		return -EBUSY;
	}
	pthread_mutex_unlock(&w->lock);

	/* One Argon2id at a time: each takes 64 MiB for a moment. */
	pthread_mutex_lock(&w->login_lock);
	r = accounts_login(w->cfg->web_users_file, user, password, attrs, sizeof(attrs));
	pthread_mutex_unlock(&w->login_lock);

	pthread_mutex_lock(&w->lock);
	if (r == -EACCES) {
		l = lock_of(w, user, true);
		if (++l->failures >= (unsigned)w->cfg->web_max_failures) {
			l->until = now + w->cfg->web_lockout_seconds;
			l->failures = 0;
		}
	} else if (r == 0 && (l = lock_of(w, user, false))) {
		memset(l, 0, sizeof(*l));
	}
	pthread_mutex_unlock(&w->lock);
	if (r < 0) {
		if (r != -EACCES)
			log_err("web: cannot check sign-in of '%s' against '%s': %s", user,
				w->cfg->web_users_file,
				r == -EPERM ? "group or others may read it: chmod 600 it"
					    : folio_strerror(r));
		return r == -EACCES ? r : -EIO;
	}
	parse_attrs(attrs, &role, lang);
	chosen_lang(w, user, lang);
	return web_session_new(w, user, role, lang, ret);
}

int web_user_set_lang(struct web *w, const char *user, const char *lang)
{
	char name[STORE_PREF_MAX + 1];

	snprintf(name, sizeof(name), "web-lang:%s", user);
	return store_pref_set(w->store, user, name, lang);
}
