"""Conformance of sxt-auth-server with the official Space and Time Python SDK.

The SDK (PyPI `spaceandtime` 1.1.73) speaks the real SxT protocol, so whatever it
does against this server is what it would do against the public network. Run via
`tests/conformance/run.sh`, which starts the server and sets:

    SXT_AUTH_URL        base URL printed by the server (no trailing /v1)
    SXT_JOIN_CODE       a join code the server was started with (--join-code)
    SXT_CHALLENGE_TTL   the server's --challenge-ttl, in seconds
    SXT_API_USER, SXT_API_KEY  an --api-key the server was started with

The SDK's API-key sign-in posts to a constant proxy URL
(`https://proxy.api.makeinfinite.dev/auth/apikey`); the tests point that one
URL at the server, which serves `/auth/apikey` as the proxy does.

Known SDK 1.1.73 quirks these tests work around (and pin down):
  * `SXTBaseAPI.auth_code_register` only sends the join code when a `prefix` is
    also given, and then as `joincode` rather than the documented `joinCode`;
    `SXTBaseAPI.auth_code(..., joincode=...)` passes its arguments to it in the
    wrong order (the join code ends up unsent and `email` becomes null). So
    `register_new_user(join_code=...)` silently registers without the join code.
    Registration with a join code therefore goes through the SDK's generic
    `call_api` with the documented body.
  * `SXTUser.reauthenticate()` refuses to run while the refresh token is still
    valid (its check is inverted), so refreshing uses `SXTBaseAPI.token_refresh`.
  * `SXTKeyManager.public_key` needs `biscuit_auth.PrivateKey.from_hex`, which
    biscuit-python 0.4 removed; run.sh pins biscuit-python 0.3.2.
"""

import base64
import os
import time
import uuid

import pytest
import requests
from nacl.signing import SigningKey

from spaceandtime import SXTKeyManager, SXTUser

# The SDK imports its modules both as `spaceandtime.x` and as top-level `x`, so
# take the enum from the class that checks it.
SXTKeyEncodings = SXTKeyManager.ENCODINGS

API_URL = os.environ["SXT_AUTH_URL"].rstrip("/")
JOIN_CODE = os.environ["SXT_JOIN_CODE"]
CHALLENGE_TTL = float(os.environ.get("SXT_CHALLENGE_TTL", "30"))
API_USER = os.environ["SXT_API_USER"]
API_KEY = os.environ["SXT_API_KEY"]
SDK_PROXY = "https://proxy.api.makeinfinite.dev"

# Test vectors from the protocol document.
VECTOR_SEED = "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc="
VECTOR_PUBLIC = "jx2dxJGVfC1cppytY0zUGoITMn2UsYaVBvTBHh9Cjhs="
VECTOR_CODE = "469867d9660b67f8aa12b2"
VECTOR_SIG = (
    "1b4217c3fadf9b2cee981a16069eb7047d79315513af57ccae91fe890e21371e"
    "d8724724203d9b904241eeafac50f3934feafa476f8c6a90973d157ee97eb102"
)

TOKEN_FIELDS = {"accessToken", "refreshToken", "accessTokenExpires", "refreshTokenExpires"}


@pytest.fixture(autouse=True)
def isolated_cwd(tmp_path, monkeypatch):
    # SXTUser loads ./.env when one exists; keep the caller's out of the tests.
    monkeypatch.chdir(tmp_path)


def new_user_id() -> str:
    return "conf_" + uuid.uuid4().hex[:16]


def new_private_key() -> str:
    km = SXTKeyManager(new_keypair=True, encoding=SXTKeyEncodings.BASE64)
    return km.private_key


def sdk_user(user_id: str, private_key: str) -> SXTUser:
    return SXTUser(user_id=user_id, user_private_key=private_key, api_url=API_URL)


def status_of_failure(result) -> int:
    """The HTTP status from an SDK call that is expected to fail."""
    ok, rtn = result
    assert not ok, f"expected a failure, got {rtn!r}"
    return rtn[0]["status_code"]


def now_ms() -> int:
    return int(time.time() * 1000)


def register_with_join_code(user: SXTUser, join_code: str = JOIN_CODE) -> dict:
    """Registers `user` in the join code's subscription, using the SDK's own
    HTTP layer, signer and token call (see the module docstring for why not
    `register_new_user`)."""
    ok, rtn = user.base_api.call_api(
        "auth/code", auth_header=False, data_parms={"userId": user.user_id, "joinCode": join_code}
    )
    assert ok, rtn
    code = rtn["authCode"]
    ok, tokens = user.base_api.get_access_token(
        user_id=user.user_id,
        challange_token=code,
        signed_challange_token=user.key_manager.sign_message(code),
        public_key=user.public_key,
    )
    assert ok, tokens
    user.__settokens__(
        tokens["accessToken"], tokens["refreshToken"], tokens["accessTokenExpires"], tokens["refreshTokenExpires"]
    )
    return tokens


def subscription_of(user: SXTUser) -> str:
    ok, info = user.base_api.auth_validtoken()
    assert ok, info
    return info["subscriptionId"]


def test_sdk_signs_the_protocol_test_vector():
    km = SXTKeyManager(private_key=VECTOR_SEED, encoding=SXTKeyEncodings.BASE64)
    assert km.public_key == VECTOR_PUBLIC
    assert km.sign_message(VECTOR_CODE) == VECTOR_SIG
    # And PyNaCl, independently.
    sk = SigningKey(base64.b64decode(VECTOR_SEED))
    assert base64.b64encode(bytes(sk.verify_key)).decode() == VECTOR_PUBLIC
    assert sk.sign(VECTOR_CODE.encode()).signature.hex() == VECTOR_SIG


def test_idexists_answers_true_or_false():
    user = sdk_user(new_user_id(), new_private_key())
    assert user.exists is False
    assert user.base_api.auth_idexists(user.user_id) == (True, False)
    # The public example script compares the raw body text.
    raw = requests.get(f"{API_URL}/v1/auth/idexists/{user.user_id}", headers={"accept": "application/json"})
    assert raw.status_code == 200 and raw.text == "false"
    assert raw.headers["content-type"].startswith("application/json")

    register_with_join_code(user)
    assert user.exists is True
    raw = requests.get(f"{API_URL}/v1/auth/idexists/{user.user_id}")
    assert raw.text == "true"


def test_register_login_validtoken_refresh_logout():
    user = sdk_user(new_user_id(), new_private_key())
    before = now_ms()
    reg = register_with_join_code(user)
    assert TOKEN_FIELDS <= set(reg)
    # Expiries are epoch milliseconds (defaults: 25 and 30 minutes).
    assert before + 1_499_000 <= reg["accessTokenExpires"] <= now_ms() + 1_501_000
    assert before + 1_799_000 <= reg["refreshTokenExpires"] <= now_ms() + 1_801_000

    # Log in with the SDK's own flow.
    login = sdk_user(user.user_id, user.private_key)
    ok, access = login.authenticate()
    assert ok, access
    assert access == login.access_token and login.refresh_token
    assert access != reg["accessToken"]
    assert not login.access_expired and not login.refresh_expired

    # Token info, raw and through SXTUser's cached properties.
    ok, info = login.base_api.auth_validtoken()
    assert ok, info
    assert info["userId"] == user.user_id
    assert info["sessionId"]
    assert info["restricted"] is False and info["quotaExceeded"] is False and info["trial"] is False
    assert login.subscription_id == info["subscriptionId"]
    assert login.is_trial is False and login.is_restricted is False and login.is_quota_exceeded is False

    # Refresh: a new pair, and the used refresh token is refused afterwards.
    old_access, old_refresh = login.access_token, login.refresh_token
    ok, fresh = login.base_api.token_refresh(old_refresh)
    assert ok, fresh
    assert TOKEN_FIELDS <= set(fresh)
    assert fresh["accessToken"] != old_access and fresh["refreshToken"] != old_refresh
    assert fresh["refreshTokenExpires"] > now_ms()
    assert status_of_failure(login.base_api.token_refresh(old_refresh)) == 401
    login.__settokens__(
        fresh["accessToken"], fresh["refreshToken"], fresh["accessTokenExpires"], fresh["refreshTokenExpires"]
    )
    ok, info2 = login.base_api.auth_validtoken()
    assert ok and info2["sessionId"] == info["sessionId"] and info2["userId"] == user.user_id

    # The keyring holds the registration key.
    ok, keys = login.base_api.auth_keys()
    assert ok, keys
    assert [k["key"] for k in keys] == [user.public_key]

    # Logout (the SDK sends the access token) ends every session of the user,
    # including the one opened at registration.
    ok, rtn = login.base_api.auth_logout()
    assert ok, rtn
    assert status_of_failure(login.base_api.auth_validtoken()) == 401
    assert status_of_failure(login.base_api.token_refresh(fresh["refreshToken"])) == 401
    assert status_of_failure(user.base_api.auth_validtoken()) == 401
    assert status_of_failure(user.base_api.token_refresh(reg["refreshToken"])) == 401

    # A fresh login works after logout.
    ok, access = sdk_user(user.user_id, user.private_key).authenticate()
    assert ok, access


def test_join_code_places_users_in_one_subscription():
    a = sdk_user(new_user_id(), new_private_key())
    b = sdk_user(new_user_id(), new_private_key())
    register_with_join_code(a)
    register_with_join_code(b)
    assert subscription_of(a) == subscription_of(b)

    # Without a join code (allowed unless --require-join-code), a user gets a
    # subscription of its own.
    solo = sdk_user(new_user_id(), new_private_key())
    ok, access = solo.authenticate()
    assert ok, access
    assert subscription_of(solo) != subscription_of(a)


def test_unknown_join_code_is_refused():
    user = sdk_user(new_user_id(), new_private_key())
    ok, rtn = user.base_api.call_api(
        "auth/code", auth_header=False, data_parms={"userId": user.user_id, "joinCode": "NOT-" + JOIN_CODE}
    )
    assert not ok and rtn["status_code"] == 400
    problem = rtn["response_object"].json()
    assert problem["status"] == 400 and problem["title"] and problem["detail"]
    assert rtn["response_object"].headers["content-type"] == "application/problem+json"
    assert user.exists is False


def test_sdk_register_new_user():
    user = sdk_user(new_user_id(), new_private_key())
    ok, access = user.register_new_user(email="dev@example.com")
    assert ok, access
    assert user.exists is True
    assert subscription_of(user)

    # Given a join code, SDK 1.1.73 does not transmit it (module docstring), so
    # the user does not join that subscription. This pins the SDK behaviour.
    member = sdk_user(new_user_id(), new_private_key())
    register_with_join_code(member)
    dropped = sdk_user(new_user_id(), new_private_key())
    ok, access = dropped.register_new_user(email="dev2@example.com", join_code=JOIN_CODE)
    assert ok, access
    assert subscription_of(dropped) != subscription_of(member)


def test_existing_user_cannot_be_taken_over():
    owner = sdk_user(new_user_id(), new_private_key())
    register_with_join_code(owner)

    intruder = sdk_user(owner.user_id, new_private_key())
    ok, err = intruder.authenticate()
    assert not ok and err
    ok, err = intruder.register_new_user(email="intruder@example.com")
    assert not ok
    # The owner is unaffected.
    ok, access = sdk_user(owner.user_id, owner.private_key).authenticate()
    assert ok, access


def test_logout_ends_all_sessions():
    user = sdk_user(new_user_id(), new_private_key())
    register_with_join_code(user)
    first = sdk_user(user.user_id, user.private_key)
    second = sdk_user(user.user_id, user.private_key)
    assert first.authenticate()[0] and second.authenticate()[0]
    assert first.base_api.auth_logout()[0]
    assert status_of_failure(second.base_api.auth_validtoken()) == 401
    assert status_of_failure(second.base_api.token_refresh(second.refresh_token)) == 401


def test_add_a_key_to_the_keyring():
    user = sdk_user(new_user_id(), new_private_key())
    register_with_join_code(user)
    new_km = SXTKeyManager(new_keypair=True, encoding=SXTKeyEncodings.BASE64)

    ok, rtn = user.base_api.auth_keys_code()
    assert ok, rtn
    code = rtn["authCode"]
    ok, rtn = user.base_api.auth_addkey(
        user.user_id, new_km.public_key, code, new_km.sign_message(code)
    )
    assert ok, rtn
    ok, keys = user.base_api.auth_keys()
    assert ok and sorted(k["key"] for k in keys) == sorted([user.public_key, new_km.public_key])
    assert all(k["scheme"] == "ed25519" for k in keys)

    # The new key logs in.
    ok, access = sdk_user(user.user_id, new_km.private_key).authenticate()
    assert ok, access

    # Adding it again is refused; so is a signature by a key other than the new one.
    ok, rtn = user.base_api.auth_keys_code()
    code = rtn["authCode"]
    assert status_of_failure(
        user.base_api.auth_addkey(user.user_id, new_km.public_key, code, new_km.sign_message(code))
    ) == 400
    third = SXTKeyManager(new_keypair=True, encoding=SXTKeyEncodings.BASE64)
    ok, rtn = user.base_api.auth_keys_code()
    code = rtn["authCode"]
    assert status_of_failure(
        user.base_api.auth_addkey(user.user_id, third.public_key, code, user.key_manager.sign_message(code))
    ) == 400


def test_challenge_is_single_use_and_checked():
    user = sdk_user(new_user_id(), new_private_key())
    register_with_join_code(user)
    api, km = user.base_api, user.key_manager

    ok, rtn = api.auth_code(user.user_id)
    code = rtn["authCode"]
    assert api.get_access_token(user.user_id, code, km.sign_message(code), user.public_key)[0]
    assert status_of_failure(api.get_access_token(user.user_id, code, km.sign_message(code), user.public_key)) == 400

    # A signature over anything but the exact authCode fails.
    ok, rtn = api.auth_code(user.user_id)
    code = rtn["authCode"]
    assert status_of_failure(
        api.get_access_token(user.user_id, code, km.sign_message(code + " "), user.public_key)
    ) == 400


def test_prefix_becomes_part_of_the_signed_code():
    user = sdk_user(new_user_id(), new_private_key())
    register_with_join_code(user)
    ok, rtn = user.base_api.auth_code(user.user_id, prefix="Sign in to the example app: ")
    assert ok, rtn
    code = rtn["authCode"]
    assert code.startswith("Sign in to the example app: ")
    ok, tokens = user.base_api.get_access_token(
        user.user_id, code, user.key_manager.sign_message(code), user.public_key
    )
    assert ok, tokens


def test_expired_challenge_is_refused():
    user = sdk_user(new_user_id(), new_private_key())
    register_with_join_code(user)
    ok, rtn = user.base_api.auth_code(user.user_id)
    code = rtn["authCode"]
    time.sleep(CHALLENGE_TTL + 0.5)
    assert status_of_failure(
        user.base_api.get_access_token(user.user_id, code, user.key_manager.sign_message(code), user.public_key)
    ) == 400


def test_pynacl_signed_login():
    """Login signed by PyNaCl directly, with the protocol's test-vector key."""
    user_id = new_user_id()
    sk = SigningKey(base64.b64decode(VECTOR_SEED))
    for _ in range(2):  # the first call registers, the second logs in
        code = requests.post(f"{API_URL}/v1/auth/code", json={"userId": user_id}).json()["authCode"]
        r = requests.post(
            f"{API_URL}/v1/auth/token",
            json={
                "userId": user_id,
                "authCode": code,
                "signature": sk.sign(code.encode()).signature.hex(),
                "key": VECTOR_PUBLIC,
                "scheme": "ed25519",
            },
        )
        assert r.status_code == 200, r.text
        assert TOKEN_FIELDS <= set(r.json())


def test_errors_are_problem_json_and_never_echo_tokens():
    bogus = "not-a-real-token-" + uuid.uuid4().hex
    r = requests.get(f"{API_URL}/v1/auth/validtoken", headers={"authorization": f"Bearer {bogus}"})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["title"] == "JWT authorization failed" and body["detail"] and body["status"] == 401
    assert bogus not in r.text

    r = requests.post(f"{API_URL}/v1/auth/token", json={"userId": new_user_id()})
    assert r.status_code == 400 and r.json()["detail"]
    r = requests.get(f"{API_URL}/v1/auth/no-such-endpoint")
    assert r.status_code == 404


def proxy_to_server(user: SXTUser, monkeypatch) -> None:
    """Sends the SDK's calls to its constant proxy URL to the server instead."""
    original = user.base_api.call_api

    def call_api(endpoint, *args, **kwargs):
        if isinstance(endpoint, str) and endpoint.startswith(SDK_PROXY):
            endpoint = API_URL + endpoint[len(SDK_PROXY):]
        return original(endpoint, *args, **kwargs)

    monkeypatch.setattr(user.base_api, "call_api", call_api)


def test_sdk_signs_in_with_an_api_key(monkeypatch):
    user = SXTUser(api_key=API_KEY, api_url=API_URL)
    proxy_to_server(user, monkeypatch)
    ok, access = user.authenticate()
    assert ok, access
    assert access == user.access_token and user.refresh_token == ""
    # The SDK learns the user id from validtoken, as the library does.
    assert user.user_id == API_USER
    ok, info = user.base_api.auth_validtoken()
    assert ok and info["userId"] == API_USER, info
    # The raw reply: an access token and its expiry, no refresh token (the SDK fills in '').
    ok, raw = user.base_api.gateway_proxy_auth_apikey(API_KEY)
    assert ok, raw
    assert raw["accessToken"] and raw["accessTokenExpires"] > now_ms()
    # A wrong key: 401, and the key is not in the answer.
    ok, rtn = user.base_api.gateway_proxy_auth_apikey("not-the-key")
    assert not ok and rtn["status_code"] == 401, rtn
    assert "not-the-key" not in rtn["text"]
    wrong = SXTUser(api_key="not-the-key", api_url=API_URL)
    proxy_to_server(wrong, monkeypatch)
    ok, _ = wrong.authenticate()
    assert not ok
    # Logout with the API-key session's access token ends it.
    ok, rtn = user.base_api.auth_logout()
    assert ok, rtn
    assert user.base_api.auth_validtoken()[0] is False


def test_sdk_invites_and_joins_a_subscription(monkeypatch):
    owner = sdk_user(new_user_id(), new_private_key())
    ok, access = owner.register_new_user(email="owner@example.com")
    assert ok, access
    code = owner.generate_joincode("member")
    assert code and " " not in code, code

    member = sdk_user(new_user_id(), new_private_key())
    ok, access = member.register_new_user(email="member@example.com")
    assert ok, access
    assert subscription_of(member) != subscription_of(owner)
    old_refresh = member.refresh_token
    ok, msg = member.join_subscription(code)
    assert ok, msg
    assert member.refresh_token != old_refresh, "joining rotates both tokens"
    assert subscription_of(member) == subscription_of(owner)
    # Single use; a member cannot invite; an owner may invite owners.
    third = sdk_user(new_user_id(), new_private_key())
    ok, access = third.register_new_user(email="third@example.com")
    assert ok, access
    ok, msg = third.join_subscription(code)
    assert not ok and "already used" in msg, msg
    assert status_of_failure(member.base_api.subscription_invite_user("member")) == 403
    ok, rtn = owner.base_api.subscription_invite_user("owner")
    assert ok and rtn["text"].startswith("jc_"), rtn

    # An API-key session joins too (the SDK reads all four token fields of the reply).
    keyed = SXTUser(api_key=API_KEY, api_url=API_URL)
    proxy_to_server(keyed, monkeypatch)
    ok, access = keyed.authenticate()
    assert ok, access
    ok, msg = keyed.join_subscription(owner.generate_joincode("member"))
    assert ok, msg
    assert subscription_of(keyed) == subscription_of(owner)
