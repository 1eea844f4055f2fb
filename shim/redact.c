/* SPDX-License-Identifier: MIT */
/* Redaction rules: secret-named flags and variables, URL passwords, token prefixes. */
#include "redact.h"

#include <string.h>

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Case-insensitive search for needle (lowercase) in s[0..n). */
static int contains_ci(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; i + m <= n; i++) {
		size_t j = 0;

		while (j < m && lower((unsigned char)s[i + j]) == needle[j])
			j++;
		if (j == m)
			return 1;
	}
	return 0;
}

/* Words that make a flag or variable name secret. */
static const char *const secret_words[] = {
	"password",  "passwd",	    "passphrase",  "secret",	 "token",
	"apikey",    "api-key",	    "api_key",	   "access-key", "access_key",
	"accesskey", "private-key", "private_key", "credential", "auth",
	"cookie",    "session-key", "bearer",	   NULL,
};

/* Names that contain a secret word but hold no secret: --max-tokens 4096. */
static const char *const harmless_words[] = {
	"tokens", "tokenizer", "author", "bypass", NULL,
};

static int secret_name(const char *name, size_t n)
{
	for (int i = 0; harmless_words[i]; i++)
		if (contains_ci(name, n, harmless_words[i]))
			return 0;
	/* --pass, PGPASS, DB_PASS */
	if (n >= 4 && contains_ci(name + n - 4, 4, "pass"))
		return 1;
	for (int i = 0; secret_words[i]; i++)
		if (contains_ci(name, n, secret_words[i]))
			return 1;
	return 0;
}

/* A flag is "-x", "--name" or "--name=value"; returns the name length or 0. */
static size_t flag_name(const char *arg, const char **name)
{
	const char *p = arg;
	size_t n = 0;

	if (p[0] != '-')
		return 0;
	p += (p[1] == '-') ? 2 : 1;
	while (p[n] && p[n] != '=')
		n++;
	*name = p;
	return n;
}

/* Token formats that are secret whatever their context. */
static const char *const token_prefixes[] = {
	"sk-",	 "ghp_",  "gho_", "ghs_", "ghu_", "github_pat_", "glpat-", "xoxb-",
	"xoxp-", "xoxa-", "AKIA", "ASIA", "AIza", "hf_",	 "npm_",   NULL,
};

static int looks_like_token(const char *s, size_t n)
{
	for (int i = 0; token_prefixes[i]; i++) {
		size_t m = strlen(token_prefixes[i]);

		if (n >= m + 12 && memcmp(s, token_prefixes[i], m) == 0)
			return 1;
	}
	/* A JWT: three base64url parts, the first starting with {" encoded. */
	if (n > 30 && memcmp(s, "eyJ", 3) == 0 && memchr(s, '.', n))
		return 1;
	return 0;
}

/* scheme://user:password@host: the password. */
static int url_password(const char *arg, size_t *start, size_t *len)
{
	const char *scheme = strstr(arg, "://");
	const char *auth, *at, *colon;

	if (!scheme)
		return 0;
	auth = scheme + 3;
	at = auth;
	while (*at && *at != '@' && *at != '/')
		at++;
	if (*at != '@')
		return 0;
	colon = memchr(auth, ':', (size_t)(at - auth));
	if (!colon || colon + 1 == at)
		return 0;
	*start = (size_t)(colon + 1 - arg);
	*len = (size_t)(at - colon - 1);
	return 1;
}

int ags_redact_span(const char *prev, const char *arg, size_t *start, size_t *len)
{
	const char *name;
	const char *eq;
	size_t n, alen = strlen(arg);

	/* --token=VALUE, -p=VALUE */
	n = flag_name(arg, &name);
	if (n && name[n] == '=' && secret_name(name, n)) {
		*start = (size_t)(name + n + 1 - arg);
		*len = alen - *start;
		return *len > 0;
	}

	/* --token VALUE: the flag was the previous argument. */
	if (prev && arg[0] != '-') {
		const char *pname;
		size_t pn = flag_name(prev, &pname);

		if (pn && pname[pn] == '\0' && secret_name(pname, pn)) {
			*start = 0;
			*len = alen;
			return alen > 0;
		}
	}

	/* NAME=VALUE, as in environment strings and `env X=Y cmd`. */
	eq = strchr(arg, '=');
	if (eq && eq != arg && arg[0] != '-' && !strstr(arg, "://") &&
	    secret_name(arg, (size_t)(eq - arg))) {
		*start = (size_t)(eq + 1 - arg);
		*len = alen - *start;
		return *len > 0;
	}

	if (url_password(arg, start, len))
		return 1;

	/* "Bearer xyz" in a header argument. */
	name = strstr(arg, "Bearer ");
	if (name && name[7]) {
		*start = (size_t)(name + 7 - arg);
		*len = alen - *start;
		return 1;
	}

	/* A bare token, or a token after a "=" we did not recognise. */
	if (looks_like_token(arg, alen)) {
		*start = 0;
		*len = alen;
		return 1;
	}
	if (eq && looks_like_token(eq + 1, alen - (size_t)(eq + 1 - arg))) {
		*start = (size_t)(eq + 1 - arg);
		*len = alen - *start;
		return 1;
	}
	return 0;
}
