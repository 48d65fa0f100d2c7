/*
 * register_authenticate: checks whether a Space and Time (SxT) user id exists, registers it if not, signs in,
 * and prints the access token. The C++ counterpart of examples/c/register_authenticate.c (same settings, same
 * output, same exit status), built on sxt_auth.hpp.
 *
 * Usage:
 *   register_authenticate <user_id>
 *
 * Settings come from the environment, or from a `.env` file in the current directory (KEY=VALUE lines,
 * `#` comments, optional `export ` prefix, optional single or double quotes around the value); a variable
 * set in the real environment wins over the file. See examples/c/sample.env:
 *   API_URL            the SxT API, e.g. https://api.spaceandtime.dev/v1/ (with or without /v1/)
 *   USER_PRIVATE_KEY   your Ed25519 private key (base64 of the 32-byte seed, as printed by keygen)
 *   USER_PUBLIC_KEY    optional: its public key; must match the private key when set
 *   ORG_CODE           optional: your organisation's join code, used when a new user is registered
 *                      (JOINCODE is accepted too)
 *   USERID             the user id, when none is given on the command line
 *   SXT_CA_CERT        optional: a PEM file of extra CAs to trust (for a private or local server)
 *   SXT_ALLOW_HTTP     set to 1 to allow a plain http:// API_URL (loopback testing only)
 *
 * Build (from the repository root, after `cargo build --lib`):
 *   c++ -std=c++17 -Wall -Iinclude examples/cpp/register_authenticate.cpp -Ltarget/debug -lsxt_auth \
 *       -o register_authenticate
 *   LD_LIBRARY_PATH=target/debug ./register_authenticate my_user_id
 * Static:
 *   c++ -std=c++17 -Wall -Iinclude examples/cpp/register_authenticate.cpp target/debug/libsxt_auth.a \
 *       -lpthread -ldl -lm -o register_authenticate
 *
 * Exit status: 0 on success, 1 on any failure (the reason goes to stderr), 2 on a usage error.
 */
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "sxt_auth.hpp"

namespace {

// Overwrites a string that may hold a secret, then empties it.
void wipe(std::string &s) {
    volatile char *p = s.data();
    for (std::size_t i = 0; i < s.size(); i++) {
        p[i] = '\0';
    }
    s.clear();
}

// ---- a small dotenv reader ---------------------------------------------------------------------------

// The assignments of a .env file, in file order. Values are wiped when it goes away (they may be keys).
class dotenv {
public:
    dotenv() = default;
    dotenv(const dotenv &) = delete;
    dotenv &operator=(const dotenv &) = delete;
    ~dotenv() {
        for (auto &var : vars_) {
            wipe(var.second);
        }
    }

    // Reads `path` if it exists (a missing file is not an error). False if it exists but cannot be read.
    bool load(const std::string &path) {
        std::ifstream file(path, std::ios::binary);
        if (!file.is_open()) {
            return true;
        }
        std::string line;
        while (std::getline(file, line)) {
            while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
                line.pop_back();
            }
            parse_line(line);
        }
        wipe(line);
        return !file.bad();
    }

    // A setting: the real environment first, then the file (the last assignment in it wins); none if unset.
    std::optional<std::string> setting(const std::string &name) const {
        if (const char *value = std::getenv(name.c_str())) {
            return std::string(value);
        }
        for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
            if (it->first == name) {
                return it->second;
            }
        }
        return std::nullopt;
    }

    // A setting that counts only when not empty.
    std::optional<std::string> nonempty(const std::string &name) const {
        std::optional<std::string> value = setting(name);
        if (value && value->empty()) {
            return std::nullopt;
        }
        return value;
    }

private:
    static bool blank(char c) { return c == ' ' || c == '\t'; }
    static bool space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

    // Parses one line; malformed lines are skipped.
    void parse_line(const std::string &line) {
        std::size_t p = 0;
        while (p < line.size() && space(line[p])) {
            p++;
        }
        if (p == line.size() || line[p] == '#') {
            return;
        }
        if (line.compare(p, 6, "export") == 0 && p + 6 < line.size() && blank(line[p + 6])) {
            p += 7;
            while (p < line.size() && space(line[p])) {
                p++;
            }
        }
        std::size_t name_end = p;
        while (name_end < line.size() && (std::isalnum(static_cast<unsigned char>(line[name_end])) != 0 ||
                                          line[name_end] == '_' || line[name_end] == '.')) {
            name_end++;
        }
        if (name_end == p) {
            return;
        }
        std::size_t v = name_end;
        while (v < line.size() && blank(line[v])) {
            v++;
        }
        if (v == line.size() || line[v] != '=') {
            return;
        }
        v++;
        while (v < line.size() && blank(line[v])) {
            v++;
        }
        std::string value;
        if (v < line.size() && (line[v] == '"' || line[v] == '\'')) {
            // Quoted: up to the matching quote; anything after it (a comment) is ignored.
            const std::size_t close = line.find(line[v], v + 1);
            if (close == std::string::npos) {
                return;
            }
            value = line.substr(v + 1, close - v - 1);
        } else {
            // Unquoted: up to an inline ` #` comment, trailing blanks removed.
            std::size_t end = v;
            while (end < line.size() && !(line[end] == '#' && end > v && blank(line[end - 1]))) {
                end++;
            }
            while (end > v && space(line[end - 1])) {
                end--;
            }
            value = line.substr(v, end - v);
        }
        vars_.emplace_back(line.substr(p, name_end - p), std::move(value));
    }

    std::vector<std::pair<std::string, std::string>> vars_;
};

// ---- error reporting ---------------------------------------------------------------------------------

void report(const char *what, const sxt::error &e) {
    std::cerr << "Error: " << what << " failed: " << e.what() << " (" << sxt::status_name(e.status()) << ")\n";
    if (e.http_status() != 0) {
        std::cerr << "  HTTP status: " << e.http_status() << "\n";
    }
    if (e.title()) {
        std::cerr << "  title: " << *e.title() << "\n";
    }
    if (e.detail()) {
        std::cerr << "  detail: " << *e.detail() << "\n";
    }
}

std::optional<std::string> read_text_file(const std::string &path) {
    std::ifstream file(path, std::ios::binary);
    if (!file.is_open()) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << file.rdbuf();
    if (file.bad()) {
        return std::nullopt;
    }
    return text.str();
}

// ---- the example -------------------------------------------------------------------------------------

int run(int argc, char **argv) {
    dotenv env;
    if (!env.load(".env")) {
        std::cerr << "Error: could not read .env\n";
        return 1;
    }
    const std::optional<std::string> user_id =
        argc > 1 ? std::optional<std::string>(argv[1]) : env.nonempty("USERID");
    if (argc > 2 || !user_id || user_id->empty()) {
        std::cerr << "Please supply your existing or desired user_id!\nusage: " << argv[0] << " <user_id>\n";
        return 2;
    }
    const std::optional<std::string> api_url = env.nonempty("API_URL");
    std::optional<std::string> private_key = env.nonempty("USER_PRIVATE_KEY");
    const std::optional<std::string> public_key = env.nonempty("USER_PUBLIC_KEY");
    std::optional<std::string> org_code = env.nonempty("ORG_CODE");
    if (!org_code) {
        org_code = env.nonempty("JOINCODE");
    }
    const std::optional<std::string> ca_file = env.nonempty("SXT_CA_CERT");
    const std::optional<std::string> allow_http = env.nonempty("SXT_ALLOW_HTTP");
    if (!api_url) {
        std::cerr << "Error: please make sure you set the SxT API_URL value in your .env file!\n";
        return 1;
    }
    if (!private_key) {
        std::cerr << "Error: please set USER_PRIVATE_KEY (see keygen) in your .env file!\n";
        return 1;
    }
    // Wiped however run() ends.
    struct wipe_on_exit {
        std::string &secret;
        ~wipe_on_exit() { wipe(secret); }
    } wipe_key{*private_key};

    // The key must be usable, and match USER_PUBLIC_KEY when that is given.
    std::string derived_public;
    try {
        derived_public = sxt::public_key(*private_key);
    } catch (const sxt::error &e) {
        report("reading USER_PRIVATE_KEY", e);
        return 1;
    }
    if (public_key && *public_key != derived_public) {
        std::cerr << "Error: USER_PUBLIC_KEY does not match the public key of USER_PRIVATE_KEY (" << derived_public
                  << ")\n";
        return 1;
    }

    // The client: extra CAs and plain http only when asked for.
    sxt::client_options options;
    if (ca_file) {
        std::optional<std::string> pem = read_text_file(*ca_file);
        if (!pem) {
            std::cerr << "Error: cannot read SXT_CA_CERT file " << *ca_file << "\n";
            return 1;
        }
        options.ca_pems.push_back(std::move(*pem));
    }
    options.allow_http = allow_http && *allow_http == "1";
    sxt::client client;
    std::string base_url;
    try {
        client = sxt::client(*api_url, options);
        base_url = client.base_url();
    } catch (const sxt::error &e) {
        // A bad CA file is an option error; everything else is about API_URL.
        const bool option_error = e.argument() && *e.argument() == "ca_pems";
        report(option_error ? "setting up the client" : "creating the client for API_URL", e);
        return 1;
    }

    // The sign-in's network calls share one deadline, a minute for all of them (deadline.cancel(), from any
    // thread, would stop them at once).
    const sxt::call deadline(std::chrono::minutes(1));

    // 1) Does the user id exist?
    std::cout << "Checking id: " << *user_id << " with URL: " << base_url << "/v1/auth/idexists/" << *user_id << "\n";
    bool exists = false;
    try {
        exists = client.user_exists(*user_id, deadline);
    } catch (const sxt::error &e) {
        std::cout.flush();
        std::cerr << "We did not connect with the SxT API successfully!\n";
        report("checking the user id", e);
        return 1;
    }

    // 2) Authenticate, registering the user id first if it is new.
    sxt::session session;
    if (exists) {
        std::cout << "UserID exists!\n";
        std::cout << "Time to authenticate!\n";
        try {
            session = client.login(*user_id, *private_key, deadline);
        } catch (const sxt::error &e) {
            std::cout.flush();
            report("authenticating", e);
            return 1;
        }
    } else {
        std::cout << "UserID doesn't exist!\n";
        std::cout << "Lets create your user ID!\n";
        try {
            session = client.register_user(*user_id, *private_key, org_code, deadline);
        } catch (const sxt::error &e) {
            std::cout.flush();
            report("registering the user id", e);
            return 1;
        }
    }
    std::string access_token;
    try {
        access_token = session.access_token(deadline);
    } catch (const sxt::error &e) {
        std::cout.flush();
        report("getting the access token", e);
        return 1;
    }
    std::cout << "Authentication to the SxT API has been completed successfully!\n";
    std::cout << "Access token: " << access_token << "\n";
    wipe(access_token);
    std::cout.flush();
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
