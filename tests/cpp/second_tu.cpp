/*
 * A second translation unit of test_cpp that includes sxt_auth.hpp too: linking both proves that everything
 * the header defines is inline (no duplicate symbols) and behaves the same from either unit.
 */
#include <string>

#include "sxt_auth.hpp"

std::string second_tu_version();
sxt::status second_tu_client_status(const std::string &base_url);

// sxt::version() as seen from this unit.
std::string second_tu_version() { return sxt::version(); }

// The status of constructing a client for `base_url` with default options (ok when it succeeds).
sxt::status second_tu_client_status(const std::string &base_url) {
    try {
        const sxt::client client(base_url);
        return client ? sxt::status::ok : sxt::status::invalid_handle;
    } catch (const sxt::error &e) {
        return e.status();
    }
}
