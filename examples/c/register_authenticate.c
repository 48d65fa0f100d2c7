/*
 * register_authenticate: checks whether a Space and Time (SxT) user id exists, registers it if not, signs in,
 * and prints the access token. The C counterpart of the register-authenticate script of SxT's public
 * python-api-examples, built on sxt_auth.h.
 *
 * Usage:
 *   register_authenticate <user_id>
 *
 * Settings come from the environment, or from a `.env` file in the current directory (KEY=VALUE lines,
 * `#` comments, optional `export ` prefix, optional single or double quotes around the value); a variable
 * set in the real environment wins over the file. See sample.env:
 *   API_URL            the SxT API, e.g. https://api.spaceandtime.dev/v1/ (with or without /v1/)
 *   USER_PRIVATE_KEY   your Ed25519 private key (base64 of the 32-byte seed, as printed by keygen)
 *   USER_PUBLIC_KEY    optional: its public key; must match the private key when set
 *   ORG_CODE           optional: your organisation's join code, used when a new user is registered
 *                      (JOINCODE is accepted too)
 *   USERID             the user id, when none is given on the command line
 *   SXT_CA_CERT        optional: a PEM file of extra CAs to trust (for a private or local server)
 *   SXT_ALLOW_HTTP     set to 1 to allow a plain http:// API_URL (loopback testing only)
 *
 * Build (from the repository root, after `cargo build --lib`), or use examples/c/Makefile:
 *   cc -std=c99 -Wall -Iinclude examples/c/register_authenticate.c -Ltarget/debug -lsxt_auth \
 *      -o register_authenticate
 *   LD_LIBRARY_PATH=target/debug ./register_authenticate my_user_id
 * Static:
 *   cc -std=c99 -Wall -Iinclude examples/c/register_authenticate.c target/debug/libsxt_auth.a \
 *      -lpthread -ldl -lm -o register_authenticate
 *
 * Exit status: 0 on success, 1 on any failure (the reason goes to stderr), 2 on a usage error.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sxt_auth.h"

/* ---- a small dotenv reader ------------------------------------------------------------------------- */

#define MAX_VARS 64

struct dotenv {
    char *names[MAX_VARS];
    char *values[MAX_VARS];
    int count;
};

/* Overwrites a buffer that may hold a secret before it is freed. */
static void wipe_free(char *s) {
    if (s != NULL) {
        volatile char *p = s;
        while (*p != '\0') {
            *p++ = '\0';
        }
        free(s);
    }
}

static char *copy_range(const char *start, size_t len) {
    char *s = malloc(len + 1);
    if (s != NULL) {
        memcpy(s, start, len);
        s[len] = '\0';
    }
    return s;
}

/* Parses one line into the table; malformed lines are skipped. */
static void dotenv_line(struct dotenv *env, char *line) {
    char *p = line;
    char *name_end;
    char *value;
    size_t len;
    while (isspace((unsigned char)*p)) {
        p++;
    }
    if (*p == '\0' || *p == '#') {
        return;
    }
    if (strncmp(p, "export", 6) == 0 && (p[6] == ' ' || p[6] == '\t')) {
        p += 7;
        while (isspace((unsigned char)*p)) {
            p++;
        }
    }
    name_end = p;
    while (*name_end != '\0' && (isalnum((unsigned char)*name_end) || *name_end == '_' || *name_end == '.')) {
        name_end++;
    }
    if (name_end == p) {
        return;
    }
    value = name_end;
    while (*value == ' ' || *value == '\t') {
        value++;
    }
    if (*value != '=') {
        return;
    }
    value++;
    while (*value == ' ' || *value == '\t') {
        value++;
    }
    if (*value == '"' || *value == '\'') {
        /* Quoted: up to the matching quote; anything after it (a comment) is ignored. */
        char quote = *value++;
        char *close = strchr(value, quote);
        if (close == NULL) {
            return;
        }
        len = (size_t)(close - value);
    } else {
        /* Unquoted: up to an inline ` #` comment, trailing blanks removed. */
        char *end = value;
        while (*end != '\0' && !(*end == '#' && end > value && (end[-1] == ' ' || end[-1] == '\t'))) {
            end++;
        }
        while (end > value && isspace((unsigned char)end[-1])) {
            end--;
        }
        len = (size_t)(end - value);
    }
    if (env->count < MAX_VARS) {
        env->names[env->count] = copy_range(p, (size_t)(name_end - p));
        env->values[env->count] = copy_range(value, len);
        if (env->names[env->count] != NULL && env->values[env->count] != NULL) {
            env->count++;
        } else {
            free(env->names[env->count]);
            wipe_free(env->values[env->count]);
        }
    }
}

/* Reads `path` if it exists (a missing file is not an error). Returns 0, or -1 if it cannot be read. */
static int dotenv_load(struct dotenv *env, const char *path) {
    char line[4096];
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        dotenv_line(env, line);
    }
    memset(line, 0, sizeof line);
    if (ferror(f)) {
        fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

static void dotenv_free(struct dotenv *env) {
    int i;
    for (i = 0; i < env->count; i++) {
        free(env->names[i]);
        wipe_free(env->values[i]);
    }
    env->count = 0;
}

/* A setting: the real environment first, then the file (the last assignment in it wins); NULL when unset. */
static const char *setting(const struct dotenv *env, const char *name) {
    const char *value = getenv(name);
    int i;
    if (value != NULL) {
        return value;
    }
    for (i = env->count - 1; i >= 0; i--) {
        if (strcmp(env->names[i], name) == 0) {
            return env->values[i];
        }
    }
    return NULL;
}

/* A setting that counts only when not empty. */
static const char *nonempty(const struct dotenv *env, const char *name) {
    const char *value = setting(env, name);
    return value != NULL && value[0] != '\0' ? value : NULL;
}

/* ---- error reporting ------------------------------------------------------------------------------- */

static void report(const char *what, sxt_status status, const sxt_error *error) {
    fprintf(stderr, "Error: %s failed: %s (%s)\n", what, error ? sxt_error_message(error) : sxt_status_description((int32_t)status),
            sxt_status_name((int32_t)status));
    if (error != NULL && sxt_error_http_status(error) != 0) {
        fprintf(stderr, "  HTTP status: %u\n", (unsigned)sxt_error_http_status(error));
    }
    if (error != NULL && sxt_error_title(error) != NULL) {
        fprintf(stderr, "  title: %s\n", sxt_error_title(error));
    }
    if (error != NULL && sxt_error_detail(error) != NULL) {
        fprintf(stderr, "  detail: %s\n", sxt_error_detail(error));
    }
}

static char *read_text_file(const char *path) {
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;
    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        (buf = malloc((size_t)size + 1)) == NULL) {
        fclose(f);
        return NULL;
    }
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        fclose(f);
        return NULL;
    }
    buf[size] = '\0';
    fclose(f);
    return buf;
}

/* ---- the example ----------------------------------------------------------------------------------- */

int main(int argc, char **argv) {
    struct dotenv env;
    const char *user_id;
    const char *api_url;
    const char *private_key;
    const char *public_key;
    const char *org_code;
    const char *ca_file;
    const char *allow_http;
    sxt_client_options *options = NULL;
    sxt_client *client = NULL;
    sxt_call *deadline = NULL;
    sxt_session *session = NULL;
    sxt_error *error = NULL;
    sxt_status status;
    char *derived_public = NULL;
    char *base_url = NULL;
    char *access_token = NULL;
    bool exists = false;
    int rc = 1;

    memset(&env, 0, sizeof env);
    if (dotenv_load(&env, ".env") != 0) {
        fprintf(stderr, "Error: could not read .env\n");
        return 1;
    }
    user_id = argc > 1 ? argv[1] : nonempty(&env, "USERID");
    if (argc > 2 || user_id == NULL || user_id[0] == '\0') {
        fprintf(stderr, "Please supply your existing or desired user_id!\nusage: %s <user_id>\n", argv[0]);
        dotenv_free(&env);
        return 2;
    }
    api_url = nonempty(&env, "API_URL");
    private_key = nonempty(&env, "USER_PRIVATE_KEY");
    public_key = nonempty(&env, "USER_PUBLIC_KEY");
    org_code = nonempty(&env, "ORG_CODE");
    if (org_code == NULL) {
        org_code = nonempty(&env, "JOINCODE");
    }
    ca_file = nonempty(&env, "SXT_CA_CERT");
    allow_http = nonempty(&env, "SXT_ALLOW_HTTP");
    if (api_url == NULL) {
        fprintf(stderr, "Error: please make sure you set the SxT API_URL value in your .env file!\n");
        goto done;
    }
    if (private_key == NULL) {
        fprintf(stderr, "Error: please set USER_PRIVATE_KEY (see keygen) in your .env file!\n");
        goto done;
    }

    /* The key must be usable, and match USER_PUBLIC_KEY when that is given. */
    status = sxt_key_public(private_key, &derived_public, &error);
    if (status != SXT_STATUS_OK) {
        report("reading USER_PRIVATE_KEY", status, error);
        goto done;
    }
    if (public_key != NULL && strcmp(public_key, derived_public) != 0) {
        fprintf(stderr, "Error: USER_PUBLIC_KEY does not match the public key of USER_PRIVATE_KEY (%s)\n",
                derived_public);
        goto done;
    }

    /* The client: extra CAs and plain http only when asked for. */
    status = sxt_client_options_new(&options, &error);
    if (status == SXT_STATUS_OK && ca_file != NULL) {
        char *pem = read_text_file(ca_file);
        if (pem == NULL) {
            fprintf(stderr, "Error: cannot read SXT_CA_CERT file %s\n", ca_file);
            goto done;
        }
        status = sxt_client_options_add_ca_pem(options, pem, &error);
        free(pem);
    }
    if (status == SXT_STATUS_OK && allow_http != NULL && strcmp(allow_http, "1") == 0) {
        status = sxt_client_options_set_allow_http(options, true, &error);
    }
    if (status != SXT_STATUS_OK) {
        report("setting up the client", status, error);
        goto done;
    }
    status = sxt_client_new(api_url, options, &client, &error);
    if (status == SXT_STATUS_OK) {
        status = sxt_client_base_url(client, &base_url, &error);
    }
    if (status != SXT_STATUS_OK) {
        report("creating the client for API_URL", status, error);
        goto done;
    }

    /* The sign-in's network calls share one deadline: a minute for all of them (sxt_call_cancel, from any
     * thread, would stop them at once). */
    status = sxt_call_new(&deadline, &error);
    if (status == SXT_STATUS_OK) {
        status = sxt_call_set_timeout_ms(deadline, 60000, &error);
    }
    if (status != SXT_STATUS_OK) {
        report("setting up the call deadline", status, error);
        goto done;
    }

    /* 1) Does the user id exist? */
    printf("Checking id: %s with URL: %s/v1/auth/idexists/%s\n", user_id, base_url, user_id);
    status = sxt_user_exists_call(client, deadline, user_id, &exists, &error);
    if (status != SXT_STATUS_OK) {
        fprintf(stderr, "We did not connect with the SxT API successfully!\n");
        report("checking the user id", status, error);
        goto done;
    }

    /* 2) Authenticate, registering the user id first if it is new. */
    if (exists) {
        printf("UserID exists!\n");
        printf("Time to authenticate!\n");
        status = sxt_login_call(client, deadline, user_id, private_key, &session, &error);
        if (status != SXT_STATUS_OK) {
            report("authenticating", status, error);
            goto done;
        }
    } else {
        printf("UserID doesn't exist!\n");
        printf("Lets create your user ID!\n");
        status = sxt_register_call(client, deadline, user_id, private_key, org_code, &session, &error);
        if (status != SXT_STATUS_OK) {
            report("registering the user id", status, error);
            goto done;
        }
    }
    status = sxt_session_access_token_call(session, deadline, &access_token, &error);
    if (status != SXT_STATUS_OK) {
        report("getting the access token", status, error);
        goto done;
    }
    printf("Authentication to the SxT API has been completed successfully!\n");
    printf("Access token: %s\n", access_token);
    rc = fflush(stdout) == 0 ? 0 : 1;

done:
    sxt_string_free(access_token);
    sxt_string_free(base_url);
    sxt_string_free(derived_public);
    sxt_session_free(session);
    sxt_call_free(deadline);
    sxt_client_free(client);
    sxt_client_options_free(options);
    sxt_error_free(error);
    dotenv_free(&env);
    return rc;
}
