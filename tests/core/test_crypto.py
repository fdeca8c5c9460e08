"""Personal data at rest: AES-GCM with the column's context bound in, and a keyed look-up hash."""

import base64

import pytest
from cryptography.exceptions import InvalidTag

from learncity.core import crypto

NUMBER = "11010519491231002X"


def test_encrypt_then_decrypt_gives_back_the_plaintext():
    token = crypto.encrypt(NUMBER, context="resident_id")

    assert crypto.decrypt(token, context="resident_id") == NUMBER


def test_the_ciphertext_is_versioned_and_does_not_contain_the_plaintext():
    token = crypto.encrypt(NUMBER, context="resident_id")

    assert token.startswith("v1:")
    assert NUMBER not in token
    raw = base64.urlsafe_b64decode(token[3:])
    # 12-byte nonce + 18 bytes of ciphertext + 16-byte tag
    assert len(raw) == 12 + len(NUMBER) + 16
    assert NUMBER.encode() not in raw


def test_each_encryption_uses_a_fresh_nonce():
    first = crypto.encrypt(NUMBER, context="resident_id")
    second = crypto.encrypt(NUMBER, context="resident_id")

    assert first != second
    assert crypto.decrypt(first, context="resident_id") == crypto.decrypt(second, context="resident_id") == NUMBER


def test_non_ascii_text_round_trips():
    token = crypto.encrypt("林秀英 福州市鼓楼区", context="name")

    assert crypto.decrypt(token, context="name") == "林秀英 福州市鼓楼区"


def test_decrypting_with_another_context_fails():
    # given a value encrypted for the ID-number column
    token = crypto.encrypt(NUMBER, context="resident_id")

    # when it is decrypted as if it came from another column, then authentication fails
    with pytest.raises(InvalidTag):
        crypto.decrypt(token, context="phone")


def test_a_tampered_ciphertext_fails():
    token = crypto.encrypt(NUMBER, context="resident_id")
    raw = bytearray(base64.urlsafe_b64decode(token[3:]))
    raw[20] ^= 0x01
    tampered = "v1:" + base64.urlsafe_b64encode(bytes(raw)).decode()

    with pytest.raises(InvalidTag):
        crypto.decrypt(tampered, context="resident_id")


def test_decrypting_under_another_master_key_fails(settings):
    token = crypto.encrypt(NUMBER, context="resident_id")

    settings.LEARNCITY_PII_KEY = "another master key"

    with pytest.raises(InvalidTag):
        crypto.decrypt(token, context="resident_id")


def test_an_unknown_version_is_refused():
    token = crypto.encrypt(NUMBER, context="resident_id")

    with pytest.raises(ValueError, match=r"^unknown ciphertext version 'v2'$"):
        crypto.decrypt("v2:" + token[3:], context="resident_id")


def test_lookup_hash_is_deterministic_hex_sha256():
    first = crypto.lookup_hash(NUMBER, context="resident_id")

    assert first == crypto.lookup_hash(NUMBER, context="resident_id")
    assert len(first) == 64
    assert int(first, 16) >= 0


def test_lookup_hash_differs_by_value_and_by_context():
    base = crypto.lookup_hash(NUMBER, context="resident_id")

    assert crypto.lookup_hash("350102199003071234", context="resident_id") != base
    assert crypto.lookup_hash(NUMBER, context="phone") != base


def test_lookup_hash_is_keyed_by_the_pii_key(settings):
    # given the hash under the configured key
    settings.LEARNCITY_PII_KEY = "key one"
    under_one = crypto.lookup_hash(NUMBER, context="resident_id")

    # when the key changes, then the hash changes
    settings.LEARNCITY_PII_KEY = "key two"
    under_two = crypto.lookup_hash(NUMBER, context="resident_id")
    assert under_two != under_one

    # and going back to the first key gives the first hash again
    settings.LEARNCITY_PII_KEY = "key one"
    assert crypto.lookup_hash(NUMBER, context="resident_id") == under_one


def test_the_lookup_hash_is_not_a_plain_sha256_of_the_value():
    import hashlib

    digest = crypto.lookup_hash(NUMBER, context="resident_id")

    assert digest != hashlib.sha256(NUMBER.encode()).hexdigest()
    assert digest != hashlib.sha256(f"resident_id\x00{NUMBER}".encode()).hexdigest()
