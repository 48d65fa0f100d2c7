/*
 * Keys, version and status tables (no server needed):
 * sxt_version against the SXT_VERSION_* macros and Cargo.toml's version (SXT_EXPECTED_VERSION, passed by the
 * runner with -D); sxt_keygen; sxt_key_public and sxt_key_sign with the protocol's test vectors in all three
 * accepted encodings; every wrong key form; invalid UTF-8; NULL arguments with untouched outputs;
 * sxt_status_name/description for every status and for unknown numbers; the error accessors on input errors.
 */
#include "harness.h"

#ifndef SXT_EXPECTED_VERSION
#error "compile with -DSXT_EXPECTED_VERSION='\"x.y.z\"' (the version in Cargo.toml)"
#endif

#define SEED_B64 "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc="
#define SEED_HEX "4ddfc88423bf8f761619bcef2204d31603552bad0fe15db016a868f5a8cdd987"
#define SEED_HEX_UPPER "4DDFC88423BF8F761619BCEF2204D31603552BAD0FE15DB016A868F5A8CDD987"
#define SEED_PUB_B64 "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2YePHZ3EkZV8LVymnK1jTNQaghMyfZSxhpUG9MEeH0KOGw=="
#define SEED_PUB2_B64 "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2YfWBAngSWYT9LITgFFu1uMcQFjLpJDMcByt4q7ZKe+i7g=="
#define PUBLIC_B64 "jx2dxJGVfC1cppytY0zUGoITMn2UsYaVBvTBHh9Cjhs="
#define AUTH_CODE "469867d9660b67f8aa12b2"
#define SIGNATURE                                                                                                      \
    "1b4217c3fadf9b2cee981a16069eb7047d79315513af57ccae91fe890e21371ed8724724203d9b904241eeafac50f3934feafa476f8c6a9" \
    "0973d157ee97eb102"
#define SEED2_B64 "AlpbthdPZMnUYStjlw03n13atWl1AA33KVJ0If6+3Z4="
#define PUBLIC2_B64 "1gQJ4ElmE/SyE4BRbtbjHEBYy6SQzHAcreKu2Snvou4="

static bool is_base64_44(const char *s) {
    size_t i;
    if (s == NULL || strlen(s) != 44 || s[43] != '=') {
        return false;
    }
    for (i = 0; i < 43; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/')) {
            return false;
        }
    }
    return true;
}

static bool is_lower_hex(const char *s, size_t n) {
    size_t i;
    if (s == NULL || strlen(s) != n) {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

static void test_version(void) {
    char macros[64];
    const char *v = sxt_version();
    h_section("version");
    CHECK(v != NULL);
    CHECK_STR(v, SXT_VERSION_STRING);
    snprintf(macros, sizeof macros, "%d.%d.%d", SXT_VERSION_MAJOR, SXT_VERSION_MINOR, SXT_VERSION_PATCH);
    CHECK_STR(v, macros);
    CHECK_STR(SXT_VERSION_STRING, SXT_EXPECTED_VERSION);
    CHECK_STR(v, SXT_EXPECTED_VERSION);
    CHECK(sxt_version() == v); /* static storage */
}

/* Public key of `key` must be `want`, signing the test authCode must give `sig` (when not NULL). */
static void expect_key(const char *key, const char *want_public, const char *want_sig) {
    char *pub = NULL;
    char *sig = NULL;
    sxt_error *err = NULL;
    if (CHECK_OK(sxt_key_public(key, &pub, &err), err)) {
        CHECK_STR(pub, want_public);
    }
    if (want_sig != NULL && CHECK_OK(sxt_key_sign(key, AUTH_CODE, &sig, &err), err)) {
        CHECK_STR(sig, want_sig);
    }
    sxt_string_free(pub);
    sxt_string_free(sig);
}

/* `key` must be refused as SXT_STATUS_INVALID_KEY by both functions, the outputs untouched, the key not echoed. */
static void expect_bad_key(const char *key, const char *label) {
    char sentinel[] = "untouched";
    char *pub = sentinel;
    char *sig = sentinel;
    sxt_error *err = NULL;
    sxt_status st;
    printf("   bad key: %s\n", label);
    st = sxt_key_public(key, &pub, &err);
    CHECK_STATUS(st, SXT_STATUS_INVALID_KEY);
    CHECK(pub == sentinel);
    CHECK(err != NULL);
    if (err != NULL) {
        CHECK_STR(sxt_error_argument(err), "private_key");
        CHECK(sxt_error_http_status(err) == 0);
        CHECK(sxt_error_title(err) == NULL);
        CHECK(sxt_error_detail(err) == NULL);
        if (strlen(key) >= 8) {
            CHECK_NOT_CONTAINS(sxt_error_message(err), key);
        }
    }
    sxt_error_free(err);
    err = NULL;
    CHECK_ERR(sxt_key_sign(key, AUTH_CODE, &sig, &err), err, SXT_STATUS_INVALID_KEY, "private_key");
    CHECK(sig == sentinel);
    /* Without error_out, the status alone. */
    CHECK_STATUS(sxt_key_public(key, &pub, NULL), SXT_STATUS_INVALID_KEY);
    CHECK(pub == sentinel);
}

static void test_vectors(void) {
    h_section("test vectors in every accepted encoding");
    expect_key(SEED_B64, PUBLIC_B64, SIGNATURE);
    expect_key(SEED_HEX, PUBLIC_B64, SIGNATURE);
    expect_key(SEED_HEX_UPPER, PUBLIC_B64, SIGNATURE);
    expect_key(SEED_PUB_B64, PUBLIC_B64, SIGNATURE);
    expect_key("  " SEED_B64 "\n", PUBLIC_B64, SIGNATURE); /* surrounding ASCII white space is ignored */
    expect_key(SEED2_B64, PUBLIC2_B64, NULL);
    {
        /* Signing is deterministic and covers the exact bytes: another message, another signature. */
        char *a = NULL;
        char *b = NULL;
        char *empty = NULL;
        sxt_error *err = NULL;
        CHECK_OK(sxt_key_sign(SEED_B64, AUTH_CODE "x", &a, &err), err);
        CHECK_OK(sxt_key_sign(SEED_B64, "h\xc3\xa9llo", &b, &err), err); /* any valid UTF-8 */
        CHECK_OK(sxt_key_sign(SEED_B64, "", &empty, &err), err);
        CHECK(is_lower_hex(a, 128));
        CHECK(is_lower_hex(b, 128));
        CHECK(is_lower_hex(empty, 128));
        CHECK(a != NULL && strcmp(a, SIGNATURE) != 0);
        CHECK(a != NULL && b != NULL && strcmp(a, b) != 0);
        sxt_string_free(a);
        sxt_string_free(b);
        sxt_string_free(empty);
    }
}

static void test_bad_keys(void) {
    h_section("keys in wrong forms");
    expect_bad_key("", "empty");
    expect_bad_key("abc", "too short");
    expect_bad_key("Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc", "43 characters (padding missing)");
    expect_bad_key("Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc==", "45 characters");
    expect_bad_key("Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Q==", "base64 of 31 bytes");
    expect_bad_key("Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yd4", "base64 of 33 bytes");
    expect_bad_key("Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Y!=", "base64 with a bad character");
    expect_bad_key("Td_IhCO_j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc=", "URL-safe base64");
    expect_bad_key("4ddfc88423bf8f761619bcef2204d31603552bad0fe15db016a868f5a8cdd98", "63 hex characters");
    expect_bad_key(SEED_HEX "7", "65 hex characters");
    expect_bad_key("gddfc88423bf8f761619bcef2204d31603552bad0fe15db016a868f5a8cdd987", "64 characters, not hex");
    expect_bad_key(SEED_PUB2_B64, "64-byte key whose second half is another key's public key");
    expect_bad_key("Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2YePHZ3EkZV8LVymnK1jTNQaghMyfZSxhpUG9MEeH0KOGw=",
                   "87 characters");
    expect_bad_key("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
                   "44 bytes of non-ASCII UTF-8");
    expect_bad_key("Td/IhCO/j3YWGbzvIgT FgNVK60P4V2wFqho9ajN2Yc=", "inner space");
}

static void test_invalid_utf8(void) {
    char sentinel[] = "untouched";
    char *out = sentinel;
    sxt_error *err = NULL;
    h_section("invalid UTF-8");
    CHECK_ERR(sxt_key_public("\xff\xfe\xfd", &out, &err), err, SXT_STATUS_INVALID_UTF8, "private_key");
    CHECK(out == sentinel);
    CHECK_ERR(sxt_key_public("Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Y\xc3", &out, &err), err,
              SXT_STATUS_INVALID_UTF8, "private_key");
    CHECK_ERR(sxt_key_sign("\xc0\x80", AUTH_CODE, &out, &err), err, SXT_STATUS_INVALID_UTF8, "private_key");
    CHECK_ERR(sxt_key_sign(SEED_B64, "bad \xed\xa0\x80 surrogate", &out, &err), err, SXT_STATUS_INVALID_UTF8,
              "message");
    CHECK(out == sentinel);
}

static void test_keygen(void) {
    char sentinel[] = "untouched";
    char *priv = NULL;
    char *pub = NULL;
    char *priv2 = NULL;
    char *pub2 = NULL;
    char *derived = NULL;
    char *out1 = sentinel;
    char *out2 = sentinel;
    sxt_error *err = NULL;
    h_section("sxt_keygen");
    if (CHECK_OK(sxt_keygen(&priv, &pub, &err), err)) {
        CHECK(is_base64_44(priv));
        CHECK(is_base64_44(pub));
        CHECK_OK(sxt_key_public(priv, &derived, &err), err);
        CHECK_STR(derived, pub);
    }
    CHECK_STATUS(sxt_keygen(&priv2, &pub2, NULL), SXT_STATUS_OK);
    CHECK(priv2 != NULL && priv != NULL && strcmp(priv, priv2) != 0);
    CHECK(pub2 != NULL && pub != NULL && strcmp(pub, pub2) != 0);
    sxt_string_free(priv);
    sxt_string_free(pub);
    sxt_string_free(priv2);
    sxt_string_free(pub2);
    sxt_string_free(derived);

    CHECK_ERR(sxt_keygen(NULL, &out2, &err), err, SXT_STATUS_NULL_ARGUMENT, "private_key_out");
    CHECK(out2 == sentinel);
    CHECK_ERR(sxt_keygen(&out1, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "public_key_out");
    CHECK(out1 == sentinel);
    CHECK_STATUS(sxt_keygen(NULL, NULL, NULL), SXT_STATUS_NULL_ARGUMENT);
}

static void test_null_arguments(void) {
    char sentinel[] = "untouched";
    char *out = sentinel;
    sxt_error *err = NULL;
    h_section("NULL arguments of the key functions");
    CHECK_ERR(sxt_key_public(NULL, &out, &err), err, SXT_STATUS_NULL_ARGUMENT, "private_key");
    CHECK_ERR(sxt_key_public(SEED_B64, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "public_key_out");
    CHECK_ERR(sxt_key_sign(NULL, AUTH_CODE, &out, &err), err, SXT_STATUS_NULL_ARGUMENT, "private_key");
    CHECK_ERR(sxt_key_sign(SEED_B64, NULL, &out, &err), err, SXT_STATUS_NULL_ARGUMENT, "message");
    CHECK_ERR(sxt_key_sign(SEED_B64, AUTH_CODE, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "signature_out");
    CHECK_STATUS(sxt_key_sign(NULL, NULL, NULL, NULL), SXT_STATUS_NULL_ARGUMENT);
    CHECK(out == sentinel);
}

struct status_row {
    sxt_status status;
    int number;
    const char *name;
};

static void test_status_table(void) {
    static const struct status_row rows[] = {
        {SXT_STATUS_OK, 0, "SXT_STATUS_OK"},
        {SXT_STATUS_NULL_ARGUMENT, 1, "SXT_STATUS_NULL_ARGUMENT"},
        {SXT_STATUS_INVALID_UTF8, 2, "SXT_STATUS_INVALID_UTF8"},
        {SXT_STATUS_INVALID_ARGUMENT, 3, "SXT_STATUS_INVALID_ARGUMENT"},
        {SXT_STATUS_INVALID_KEY, 4, "SXT_STATUS_INVALID_KEY"},
        {SXT_STATUS_INVALID_URL, 5, "SXT_STATUS_INVALID_URL"},
        {SXT_STATUS_INSECURE_URL, 6, "SXT_STATUS_INSECURE_URL"},
        {SXT_STATUS_INVALID_HANDLE, 7, "SXT_STATUS_INVALID_HANDLE"},
        {SXT_STATUS_INVALID_CERTIFICATE, 8, "SXT_STATUS_INVALID_CERTIFICATE"},
        {SXT_STATUS_SIGNER_FAILED, 9, "SXT_STATUS_SIGNER_FAILED"},
        {SXT_STATUS_NETWORK, 100, "SXT_STATUS_NETWORK"},
        {SXT_STATUS_TIMEOUT, 101, "SXT_STATUS_TIMEOUT"},
        {SXT_STATUS_TLS, 102, "SXT_STATUS_TLS"},
        {SXT_STATUS_RESPONSE_TOO_LARGE, 103, "SXT_STATUS_RESPONSE_TOO_LARGE"},
        {SXT_STATUS_REDIRECT, 104, "SXT_STATUS_REDIRECT"},
        {SXT_STATUS_MALFORMED_RESPONSE, 105, "SXT_STATUS_MALFORMED_RESPONSE"},
        {SXT_STATUS_CANCELLED, 106, "SXT_STATUS_CANCELLED"},
        {SXT_STATUS_BAD_REQUEST, 200, "SXT_STATUS_BAD_REQUEST"},
        {SXT_STATUS_UNAUTHORIZED, 201, "SXT_STATUS_UNAUTHORIZED"},
        {SXT_STATUS_NOT_FOUND, 202, "SXT_STATUS_NOT_FOUND"},
        {SXT_STATUS_CONFLICT, 203, "SXT_STATUS_CONFLICT"},
        {SXT_STATUS_RATE_LIMITED, 204, "SXT_STATUS_RATE_LIMITED"},
        {SXT_STATUS_CLIENT_ERROR, 205, "SXT_STATUS_CLIENT_ERROR"},
        {SXT_STATUS_SERVER_ERROR, 206, "SXT_STATUS_SERVER_ERROR"},
        {SXT_STATUS_LOGGED_OUT, 300, "SXT_STATUS_LOGGED_OUT"},
        {SXT_STATUS_SESSION_EXPIRED, 301, "SXT_STATUS_SESSION_EXPIRED"},
        {SXT_STATUS_PANIC, 900, "SXT_STATUS_PANIC"},
        {SXT_STATUS_INTERNAL, 901, "SXT_STATUS_INTERNAL"},
    };
    static const int unknown[] = {-1, 10, 99, 107, 199, 207, 299, 302, 899, 902, 1000, 123456, -2147483647 - 1};
    const char *unknown_description = sxt_status_description(-1);
    size_t i;
    size_t j;
    h_section("status names and descriptions");
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *description = sxt_status_description(rows[i].number);
        CHECK((int)rows[i].status == rows[i].number);
        CHECK_STR(sxt_status_name(rows[i].number), rows[i].name);
        CHECK(description != NULL && description[0] != '\0');
        CHECK(description != NULL && unknown_description != NULL && strcmp(description, unknown_description) != 0);
        CHECK(sxt_status_name(rows[i].number) == sxt_status_name(rows[i].number)); /* static storage */
        for (j = 0; j < i; j++) {
            CHECK(description != NULL && strcmp(description, sxt_status_description(rows[j].number)) != 0);
        }
    }
    CHECK(unknown_description != NULL && unknown_description[0] != '\0');
    for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        CHECK_STR(sxt_status_name(unknown[i]), "SXT_STATUS_UNKNOWN");
        CHECK_STR(sxt_status_description(unknown[i]), unknown_description);
    }
    CHECK_CONTAINS(sxt_status_description(SXT_STATUS_INVALID_KEY), "key");
}

int main(void) {
    test_version();
    test_vectors();
    test_bad_keys();
    test_invalid_utf8();
    test_keygen();
    test_null_arguments();
    test_status_table();
    return h_finish();
}
