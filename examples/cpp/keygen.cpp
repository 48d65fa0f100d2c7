/*
 * keygen: prints a new Ed25519 key pair for the Space and Time (SxT) network, in the form the SxT tools use:
 *
 *   Private Key (Base64): <44 characters>
 *   Public Key (Base64): <44 characters>
 *
 * The C++ counterpart of examples/c/keygen.c, built on sxt_auth.hpp. Keep the private key secret (put it in
 * USER_PRIVATE_KEY of your .env); the public key is what the network records for your user.
 *
 * Build (from the repository root, after `cargo build --lib`):
 *   c++ -std=c++17 -Wall -Iinclude examples/cpp/keygen.cpp -Ltarget/debug -lsxt_auth -o keygen
 *   LD_LIBRARY_PATH=target/debug ./keygen
 */
#include <iostream>

#include "sxt_auth.hpp"

int main() {
    try {
        const sxt::key_pair keys = sxt::keygen();
        std::cout << "Private Key (Base64): " << keys.private_key << "\n";
        std::cout << "Public Key (Base64): " << keys.public_key << "\n";
        std::cout.flush();
        return std::cout.good() ? 0 : 1;
    } catch (const sxt::error &e) {
        std::cerr << "keygen failed: " << e.what() << " (" << sxt::status_name(e.status()) << ")\n";
        return 1;
    }
}
