"""The Python peer of the sxt-auth benchmarks: the official SxT SDK (`spaceandtime`) and PyNaCl.

examples/bench.rs starts this as a child process and drives it over stdin/stdout, so that the peer's runs are
interleaved with the Rust runs against the same server: load from other processes then hits both sides alike.

Protocol: once set up (SDK imported, test vectors checked) it prints `ready`. Then, for each input line
`MEASUREMENT COUNT`, it runs the measurement COUNT times and prints the mean nanoseconds per operation, or
`error: ...` and exits. `quit` or end of input ends it.

Measurements:
  sdk_auth         SXTUser.authenticate(): auth/code + sign + auth/token, as the SDK signs in
  sdk_exists_auth  SXTUser.exists, then authenticate(): the same three exchanges as Client::login
  nacl_sign        PyNaCl SigningKey.sign(authCode).signature.hex(), key built once
  sdk_sign         the SDK's SXTKeyManager.sign_message(authCode), as authenticate() calls it
  sdk_auth_tls, sdk_exists_auth_tls   the first two against the https server (with --tls-url)
  sdk_signin_lat   a new SXTUser, exists, then authenticate, through the 20 ms delay proxy (--latency-url)
  sdk_flow_lat     the same, then base_api.token_refresh and base_api.auth_logout

Usage: peer.py --url URL --user USER_ID --key PRIVATE_KEY_BASE64 [--tls-url HTTPS_URL --ca CA_FILE]
              [--latency-url HTTPS_URL]
The SDK has no setting for a CA; requests, which it calls, reads REQUESTS_CA_BUNDLE, so --ca sets that.
"""

import argparse
import base64
import logging
import os
import sys
import time

import nacl.signing
from spaceandtime import SXTUser

AUTH_CODE = "469867d9660b67f8aa12b2"
TEST_SEED = "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc="
TEST_SIGNATURE = (
    "1b4217c3fadf9b2cee981a16069eb7047d79315513af57ccae91fe890e21371e"
    "d8724724203d9b904241eeafac50f3934feafa476f8c6a90973d157ee97eb102"
)


class PeerError(Exception):
    pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--tls-url")
    p.add_argument("--ca")
    p.add_argument("--latency-url")
    a = p.parse_args()
    if bool(a.tls_url) != bool(a.ca):
        raise PeerError("--tls-url and --ca go together")
    if a.ca:
        os.environ["REQUESTS_CA_BUNDLE"] = a.ca

    # The SDK logs to the root logger at INFO unless given a logger; keep only its errors, on stderr.
    log = logging.getLogger("sxt-bench-peer")
    log.setLevel(logging.ERROR)
    log.addHandler(logging.StreamHandler(sys.stderr))
    log.propagate = False

    # One SDK user object, built once, as an application would hold it.
    user = SXTUser(user_id=a.user, user_private_key=a.key, api_url=a.url, logger=log)

    def sign_in(u):
        ok, result = u.authenticate()
        if not ok:
            raise PeerError(f"SDK authenticate against {u.api_url} failed: {result}")

    def exists_sign_in(u):
        if not u.exists:
            raise PeerError(f"the SDK says the bench user does not exist on {u.api_url}")
        sign_in(u)

    key = nacl.signing.SigningKey(base64.b64decode(TEST_SEED))
    message = AUTH_CODE.encode("utf-8")
    if key.sign(message).signature.hex() != TEST_SIGNATURE:
        raise PeerError("PyNaCl does not reproduce the test vector")
    manager = SXTUser(user_id=a.user, user_private_key=TEST_SEED, api_url=a.url, logger=log).key_manager
    if manager.sign_message(AUTH_CODE) != TEST_SIGNATURE:
        raise PeerError("the SDK does not reproduce the test vector")

    measurements = {
        "sdk_auth": lambda: sign_in(user),
        "sdk_exists_auth": lambda: exists_sign_in(user),
        "nacl_sign": lambda: key.sign(message).signature.hex(),
        "sdk_sign": lambda: manager.sign_message(AUTH_CODE),
    }
    if a.tls_url:
        tls_user = SXTUser(user_id=a.user, user_private_key=a.key, api_url=a.tls_url, logger=log)
        measurements["sdk_auth_tls"] = lambda: sign_in(tls_user)
        measurements["sdk_exists_auth_tls"] = lambda: exists_sign_in(tls_user)
        sign_in(tls_user)
    if a.latency_url:
        def lat_sign_in():
            u = SXTUser(user_id=a.user, user_private_key=a.key, api_url=a.latency_url, logger=log)
            exists_sign_in(u)
            return u

        def lat_flow():
            u = lat_sign_in()
            ok, fresh = u.base_api.token_refresh(u.refresh_token)
            if not ok:
                raise PeerError(f"SDK token_refresh failed: {fresh}")
            u.__settokens__(fresh["accessToken"], fresh["refreshToken"], fresh["accessTokenExpires"],
                            fresh["refreshTokenExpires"])
            ok, result = u.base_api.auth_logout()
            if not ok:
                raise PeerError(f"SDK auth_logout failed: {result}")

        measurements["sdk_signin_lat"] = lat_sign_in
        measurements["sdk_flow_lat"] = lat_flow
    sign_in(user)  # sign-ins before "ready", so a server the SDK cannot reach fails here
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words == ["quit"]:
            break
        if len(words) != 2 or words[0] not in measurements or not words[1].isdigit() or int(words[1]) < 1:
            raise PeerError(f"unknown request {line.strip()!r}")
        fn, count = measurements[words[0]], int(words[1])
        start = time.perf_counter_ns()
        for _ in range(count):
            fn()
        print(f"{(time.perf_counter_ns() - start) / count:.1f}", flush=True)


if __name__ == "__main__":
    try:
        main()
    except PeerError as e:
        print(f"error: {e}", flush=True)
        sys.exit(1)
