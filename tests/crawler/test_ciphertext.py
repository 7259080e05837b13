"""The cfws request token, checked against the captured example in the corpus README."""

import base64
from datetime import date, datetime, timezone

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from crawler.spiders.cn_samr_cfws import ciphertext


def decode_token(token):
    text = "".join(chr(int(bits, 2)) for bits in token.split(" "))
    return text[:24], text[24:32], text[32:]


def decrypt(salt, iv, enc):
    decryptor = Cipher(TripleDES(salt.encode()), modes.CBC(iv.encode())).decryptor()
    padded = decryptor.update(base64.b64decode(enc)) + decryptor.finalize()
    unpadder = padding.PKCS7(64).unpadder()
    return (unpadder.update(padded) + unpadder.finalize()).decode()


def test_captured_example_decrypts_to_a_time_on_its_day():
    # The corpus README's captured token: salt + iv + enc.
    millis = int(decrypt("8rva5UhhCFrkwOFYmqxLcc72", "20240902", "sU/Y3basKqnRLjsU/rO88A=="))
    when = datetime.fromtimestamp(millis / 1000, timezone.utc)
    assert when.date() in (date(2024, 9, 1), date(2024, 9, 2))


def test_our_token_has_the_same_shape_and_round_trips():
    token = ciphertext(now_ms=1725254400123, today=date(2024, 9, 2))
    assert set(token.replace(" ", "")) <= {"0", "1"}
    salt, iv, enc = decode_token(token)
    assert len(salt) == 24 and salt.isalnum()
    assert iv == "20240902"
    assert decrypt(salt, iv, enc) == "1725254400123"


def test_same_inputs_same_token_and_fresh_salt_otherwise():
    fixed = dict(now_ms=1, today=date(2024, 1, 1), salt="a" * 12 + "b" * 12)
    assert ciphertext(**fixed) == ciphertext(**fixed)
    assert ciphertext(now_ms=1) != ciphertext(now_ms=1)
