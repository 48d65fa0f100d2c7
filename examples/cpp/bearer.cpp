/*
 * bearer: signs a Space and Time (SxT) user in and prints the request header the SxT APIs want,
 * `Authorization: Bearer <access token>`, as one line for tools that read headers from standard input:
 *
 *   ./bearer my_user_id | curl -H @- https://api.spaceandtime.dev/v1/auth/validtoken
 *
 * The C++ counterpart of examples/c/bearer.c (same settings, output and exit status), built on
 * sxt_auth.hpp. It shows `session::authorization()`, the header value in one call, and one `sxt::call`
 * deadline for every network call. An app that makes its own requests sends that value, and after a 401
 * calls `session.token_rejected(token)` and retries once with a new value.
 *
 * Usage:
 *   bearer <user_id>
 *
 * Settings come from the environment (export them, or `set -a; . ./.env; set +a`):
 *   API_URL            the SxT API, e.g. https://api.spaceandtime.dev/v1/ (with or without /v1/)
 *   USER_PRIVATE_KEY   the user's Ed25519 private key (base64 of the 32-byte seed, as printed by keygen)
 *   SXT_CA_CERT        optional: a PEM file of extra CAs to trust (for a private or local server)
 *   SXT_ALLOW_HTTP     set to 1 to allow a plain http:// API_URL (loopback testing only)
 *   SXT_TIMEOUT_MS     optional: the deadline for the whole sign-in in milliseconds (default 60000)
 *
 * Build (from the repository root, after `cargo build --lib`):
 *   c++ -std=c++17 -Wall -Iinclude examples/cpp/bearer.cpp -Ltarget/debug -lsxt_auth -o bearer
 *
 * Exit status: 0 on success, 1 on any failure (the reason goes to stderr, nothing to stdout), 2 on a usage
 * error.
 */
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "sxt_auth.hpp"

namespace {

std::string setting(const char *name) {
    const char *value = std::getenv(name);
    return value != nullptr ? std::string(value) : std::string();
}

void report(const char *what, const sxt::error &e) {
    std::cerr << "Error: " << what << " failed: " << e.what() << " (" << sxt::status_name(e.status()) << ")\n";
}

int run(int argc, char **argv) {
    if (argc != 2 || argv[1][0] == '\0') {
        std::cerr << "usage: " << argv[0]
                  << " <user_id>   (settings: API_URL, USER_PRIVATE_KEY, SXT_CA_CERT, SXT_ALLOW_HTTP)\n";
        return 2;
    }
    const std::string api_url = setting("API_URL");
    const std::string private_key = setting("USER_PRIVATE_KEY");
    const std::string ca_file = setting("SXT_CA_CERT");
    const std::string timeout = setting("SXT_TIMEOUT_MS");
    if (api_url.empty() || private_key.empty()) {
        std::cerr << "Error: set API_URL and USER_PRIVATE_KEY in the environment\n";
        return 1;
    }

    sxt::client_options options;
    if (!ca_file.empty()) {
        std::ifstream file(ca_file, std::ios::binary);
        std::ostringstream pem;
        pem << file.rdbuf();
        if (!file.is_open() || file.bad()) {
            std::cerr << "Error: cannot read SXT_CA_CERT file " << ca_file << "\n";
            return 1;
        }
        options.ca_pems.push_back(pem.str());
    }
    options.allow_http = setting("SXT_ALLOW_HTTP") == "1";
    sxt::client client;
    try {
        client = sxt::client(api_url, options);
    } catch (const sxt::error &e) {
        report("setting up the client", e);
        return 1;
    }

    // One deadline for every network call below; deadline.cancel() (from any thread) would stop them at once.
    sxt::call deadline;
    try {
        deadline.set_timeout(std::chrono::milliseconds(timeout.empty() ? 60000 : std::strtoul(timeout.c_str(), nullptr, 10)));
    } catch (const sxt::error &e) {
        report("setting up the deadline", e);
        return 1;
    }

    sxt::session session;
    try {
        session = client.login(argv[1], private_key, deadline);
    } catch (const sxt::error &e) {
        report("signing in", e);
        return 1;
    }
    std::string authorization;
    try {
        // "Bearer <access token>", renewed first if the token is near its expiry.
        authorization = session.authorization(deadline);
    } catch (const sxt::error &e) {
        report("getting the authorization header", e);
        return 1;
    }
    std::cout << "Authorization: " << authorization << "\n";
    std::cout.flush();
    volatile char *p = authorization.data();
    for (std::size_t i = 0; i < authorization.size(); i++) {
        p[i] = '\0';
    }
    return std::cout.good() ? 0 : 1;
}

}  // namespace

int main(int argc, char **argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception &e) {
        std::cerr << "Error: " << e.what() << "\n";
        return 1;
    }
}
