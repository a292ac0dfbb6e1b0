/*
 * folio web user, folio web users: the clerk UI's accounts ([web] users_file).
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "firmware/cmd/cmd.h"
#include "firmware/accounts/accounts.h"

static bool one_of(const char *v, const char *a, const char *b, const char *c)
{
	return strcmp(v, a) == 0 || strcmp(v, b) == 0 || (c && strcmp(v, c) == 0);
}

struct found_account {
	const char *name;
	char attrs[ACCOUNT_ATTRS_MAX + 1];
	bool found;
};

static int find_account(const char *user, const char *attrs, void *data)
{
	struct found_account *f = data;

	if (strcmp(user, f->name) == 0) {
		snprintf(f->attrs, sizeof(f->attrs), "%s", attrs);
		f->found = true;
	}
	return 0;
}

/* The value of word @key= in @attrs ("role=clerk,lang=fr"), or @fallback. */
static void attr_value(const char *attrs, const char *key, const char *fallback, char *buf,
		       size_t size)
{
	size_t kl = strlen(key);

	snprintf(buf, size, "%s", fallback);
	for (const char *p = attrs; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, ",");

			snprintf(buf, size, "%.*s", (int)n, p + kl + 1);
		}
}

int cmd_web_user(struct cmd_env *env, int argc, char **argv)
{
	const char *file, *role = NULL, *lang = NULL;
	bool keep = false;
	const struct opt opts[] = {
		OPT_STRING(0, "role", &role, "ROLE", "clerk or supervisor"),
		OPT_STRING(0, "lang", &lang, "LANG", "the UI's language: en, fr or ar"),
		OPT_FLAG(0, "keep-password", &keep, "change role or language only"),
		OPT_END(),
	};
	struct found_account old = { 0 };
	char pw[ACCOUNT_PASSWORD_MAX + 2], attrs[ACCOUNT_ATTRS_MAX + 1], r_old[16], l_old[8];
	int r;

	argc = cmd_options(env, opts, argc, argv);
	if (argc <= 0)
		return argc;
	if (argc != 2)
		return cmd_usage_error(cmd_current(),
				       argc == 1 ? "which user?" : "one user at a time");
	old.name = argv[1];
	if (!account_name_valid(old.name))
		return cmd_usage_error(cmd_current(),
				       "'%s' is not an account name (1 to %d of a-z 0-9 . _ -, "
				       "starting with a letter or digit)",
				       old.name, ACCOUNT_NAME_MAX);
	if (role && !one_of(role, "clerk", "supervisor", NULL))
		return cmd_usage_error(cmd_current(), "--role is clerk or supervisor, not '%s'",
				       role);
	if (lang && !one_of(lang, "en", "fr", "ar"))
		return cmd_usage_error(cmd_current(), "--lang is en, fr or ar, not '%s'", lang);
	r = cmd_load(env);
	if (r < 0)
		return r;
	file = env->cfg->web_users_file;
	r = cmd_check_accounts_file(file);
	if (r < 0)
		return r;
	r = accounts_list(file, find_account, &old);
	if (r < 0 && r != -ENOENT)
		return log_errno(r, "cannot read accounts file '%s': %s", file, folio_strerror(r));
	if (keep && !old.found)
		return log_errno(-ENOENT, "no account '%s' in '%s': a new account needs a password",
				 old.name, file);
	attr_value(old.attrs, "role", "clerk", r_old, sizeof(r_old));
	attr_value(old.attrs, "lang", "en", l_old, sizeof(l_old));
	snprintf(attrs, sizeof(attrs), "role=%s,lang=%s", role ? role : r_old, lang ? lang : l_old);

	if (!keep) {
		r = cmd_ask_new_password(pw, sizeof(pw), ACCOUNT_PASSWORD_MIN);
		if (r < 0)
			return r;
	}
	r = accounts_update(file, old.name, keep ? NULL : pw, attrs);
	sodium_memzero(pw, sizeof(pw));
	if (r < 0)
		return log_errno(r, "cannot write accounts file '%s': %s", file,
				 r == -FOLIO_ETOOBIG ? "it has the most accounts it can hold"
						     : folio_strerror(r));
	if (env->store)
		(void)store_event_add(env->store, env->who,
				      r ? "web-account-create" : "web-account-change", 0, 0, 0,
				      "account '%s' %s", old.name, attrs);
	fprintf(env->out, "account '%s' (%s) %s in '%s'\n", old.name, attrs,
		r ? "created" : "changed", file);
	return 0;
}

static int show_account(const char *user, const char *attrs, void *data)
{
	struct cmd_env *env = data;
	char role[16], lang[8];

	attr_value(attrs, "role", "clerk", role, sizeof(role));
	attr_value(attrs, "lang", "en", lang, sizeof(lang));
	fprintf(env->out, "%-32s %-10s %s\n", user, role, lang);
	return 0;
}

int cmd_web_users(struct cmd_env *env, int argc, char **argv)
{
	const char *file = env->cfg->web_users_file;
	int r;

	(void)argv;
	if (argc > 1)
		return cmd_usage_error(cmd_current(), "no arguments");
	r = accounts_check_file(file); /* before the heading: a missing file lists nothing */
	if (r == 0) {
		fprintf(env->out, "%-32s %-10s %s\n", "USER", "ROLE", "LANGUAGE");
		r = accounts_list(file, show_account, env);
	}
	if (r == -ENOENT)
		return log_errno(r, "no accounts yet in '%s': add one with 'folio web user NAME'",
				 file);
	if (r < 0)
		return log_errno(
		    r, "cannot read accounts file '%s': %s", file,
		    r == -EPERM
			? "group or others may read it, or it is another user's: chmod 600 it"
			: folio_strerror(r));
	return 0;
}
