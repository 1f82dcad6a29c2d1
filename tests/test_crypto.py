"""Encryption at rest: small values, chunked files, key rotation and tampering."""

import base64
import io
import os

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from oscar_privacy import crypto
from oscar_privacy.crypto import (
    MAGIC,
    DecryptionError,
    EncryptedWriter,
    decrypt,
    decrypted_chunks,
    derived_key,
    encrypt,
)

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
SMALL_CHUNK = 64


def keys(*keys):
    return override_settings(OSCAR_PRIVACY_ENCRYPTION_KEYS=list(keys))


def write_file(data, *, chunk_size=SMALL_CHUNK, pieces=None):
    """Encrypt ``data`` through an EncryptedWriter; ``pieces``: sizes of the writes."""
    target = io.BytesIO()
    with EncryptedWriter(target, chunk_size=chunk_size) as writer:
        if pieces is None:
            writer.write(data)
        else:
            offset = 0
            for size in pieces:
                writer.write(data[offset : offset + size])
                offset += size
            writer.write(data[offset:])
    return target.getvalue()


def read_file(encrypted):
    return b"".join(decrypted_chunks(io.BytesIO(encrypted)))


def frames(encrypted):
    """The frames of an encrypted file, each with its 4-byte length: ``[bytes, ...]``."""
    assert encrypted.startswith(MAGIC)
    rest, parts = encrypted[len(MAGIC) :], []
    while rest:
        length = int.from_bytes(rest[:4], "big")
        parts.append(rest[: 4 + length])
        rest = rest[4 + length :]
    return parts


def assemble(parts):
    return MAGIC + b"".join(parts)


# Small values -----------------------------------------------------------------


@pytest.mark.parametrize("value", [b"", b"x", "Camille Martin <é>".encode(), os.urandom(5000)])
def test_small_values_round_trip(value):
    token = encrypt(value)
    assert token != value
    if len(value) >= 16:  # shorter ones could occur in the base64 text by chance
        assert value not in token
    assert decrypt(token) == value


def test_each_encryption_of_the_same_value_differs():
    assert encrypt(b"same") != encrypt(b"same")


def test_a_damaged_token_raises_decryption_error():
    token = bytearray(encrypt(b"secret"))
    token[20] ^= 0x01
    with pytest.raises(DecryptionError):
        decrypt(bytes(token))


def test_a_token_that_is_not_one_raises_decryption_error():
    with pytest.raises(DecryptionError):
        decrypt(b"not a token")


# Files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size",
    [
        0,
        1,
        SMALL_CHUNK - 1,
        SMALL_CHUNK,
        SMALL_CHUNK + 1,
        2 * SMALL_CHUNK,
        3 * SMALL_CHUNK,
        5 * SMALL_CHUNK + 17,
    ],
)
def test_a_file_round_trips_whatever_its_size(size):
    data = os.urandom(size)
    encrypted = write_file(data)
    assert encrypted.startswith(MAGIC)
    assert read_file(encrypted) == data
    # One frame per started chunk, and always at least one (the last).
    assert len(frames(encrypted)) == max(1, -(-size // SMALL_CHUNK))


@pytest.mark.parametrize("chunk_size", [1, 7, SMALL_CHUNK, 1000, crypto.CHUNK_SIZE])
def test_a_file_written_in_uneven_pieces_round_trips(chunk_size):
    data = os.urandom(3000)
    encrypted = write_file(data, chunk_size=chunk_size, pieces=[0, 1, 999, 1000, 3, 0, 500])
    assert read_file(encrypted) == data


def test_chunks_come_back_one_chunk_at_a_time():
    data = os.urandom(10 * SMALL_CHUNK + 5)
    chunks = list(decrypted_chunks(io.BytesIO(write_file(data))))
    assert [len(c) for c in chunks] == [SMALL_CHUNK] * 10 + [5]


def test_the_plaintext_is_not_in_the_encrypted_file():
    data = b"customer@example.com " * 50
    encrypted = write_file(data)
    assert b"customer@example.com" not in encrypted


def test_the_writer_counts_what_it_was_given_and_refuses_writes_once_closed():
    target = io.BytesIO()
    writer = EncryptedWriter(target, chunk_size=SMALL_CHUNK)
    assert writer.write(b"abc") == 3
    writer.write(b"defg")
    assert writer.tell() == 7
    assert writer.writable() and not writer.seekable()
    writer.close()
    writer.close()  # twice is harmless: still one last frame
    assert len(frames(target.getvalue())) == 1
    with pytest.raises(ValueError):
        writer.write(b"more")
    assert read_file(target.getvalue()) == b"abcdefg"


# Key rotation -------------------------------------------------------------------


def test_data_written_with_an_old_key_is_read_after_a_new_key_is_added():
    data = os.urandom(4 * SMALL_CHUNK + 3)
    with keys(KEY_A):
        encrypted = write_file(data)
        token = encrypt(b"value")
    with keys(KEY_B, KEY_A):
        assert read_file(encrypted) == data
        assert decrypt(token) == b"value"


def test_the_first_key_encrypts():
    with keys(KEY_B, KEY_A):
        encrypted = write_file(b"new data")
        token = encrypt(b"value")
    with keys(KEY_B):
        assert read_file(encrypted) == b"new data"
        assert decrypt(token) == b"value"


def test_data_is_unreadable_once_its_key_is_removed():
    with keys(KEY_A):
        encrypted = write_file(os.urandom(100))
        token = encrypt(b"value")
    with keys(KEY_B), pytest.raises(DecryptionError):
        read_file(encrypted)
    with keys(KEY_B), pytest.raises(DecryptionError):
        decrypt(token)


def test_without_configured_keys_the_key_derived_from_secret_key_is_used():
    with keys():
        token = encrypt(b"value")
        encrypted = write_file(b"file data")
        assert decrypt(token) == b"value"
        assert read_file(encrypted) == b"file data"
    assert Fernet(derived_key()).decrypt(token) == b"value"
    # Not the test suite's configured key.
    with pytest.raises(DecryptionError):
        decrypt(token)
    # Derived from SECRET_KEY: another secret, another key.
    with keys(), override_settings(SECRET_KEY="another-secret-key-" * 3):
        with pytest.raises(DecryptionError):
            decrypt(token)


def test_the_derived_key_is_a_valid_fernet_key_stable_for_a_secret_key():
    key = derived_key()
    assert len(base64.urlsafe_b64decode(key)) == 32
    assert derived_key() == key
    with override_settings(SECRET_KEY="another-secret-key-" * 3):
        assert derived_key() != key


# Tampering ----------------------------------------------------------------------


@pytest.fixture
def encrypted():
    """A file of four frames: three full chunks and a short last one."""
    data = os.urandom(3 * SMALL_CHUNK + 10)
    encrypted = write_file(data)
    assert read_file(encrypted) == data
    assert len(frames(encrypted)) == 4
    return encrypted


def assert_refused(damaged):
    with pytest.raises(DecryptionError):
        read_file(damaged)


@pytest.mark.parametrize("position", ["magic", "length", "token start", "token middle", "end"])
def test_a_flipped_byte_is_refused(encrypted, position):
    second_frame = len(MAGIC) + len(frames(encrypted)[0])
    offset = {
        "magic": 3,
        "length": second_frame + 3,
        "token start": second_frame + 4,
        "token middle": second_frame + 60,
        "end": len(encrypted) - 1,
    }[position]
    damaged = bytearray(encrypted)
    damaged[offset] ^= 0x01
    assert_refused(bytes(damaged))


@pytest.mark.parametrize("cut", [1, 10, 100])
def test_a_truncated_file_is_refused(encrypted, cut):
    assert_refused(encrypted[:-cut])


@pytest.mark.parametrize("cut", [1, 2, 5])
def test_a_short_read_is_refused_as_truncated_before_fernet_sees_it(encrypted, cut):
    # Some Fernet releases decode a token missing its last padding character:
    # the length check, not the decoder, must catch a cut file.
    with pytest.raises(DecryptionError, match="truncated"):
        read_file(encrypted[:-cut])


def test_a_file_cut_at_a_frame_boundary_is_refused(encrypted):
    parts = frames(encrypted)
    for kept in range(len(parts)):
        assert_refused(assemble(parts[:kept]))


@pytest.mark.parametrize("removed", [0, 1, 2, 3])
def test_a_removed_frame_is_refused(encrypted, removed):
    parts = frames(encrypted)
    del parts[removed]
    assert_refused(assemble(parts))


@pytest.mark.parametrize("first, second", [(0, 1), (1, 2), (2, 3), (0, 3)])
def test_swapped_frames_are_refused(encrypted, first, second):
    parts = frames(encrypted)
    parts[first], parts[second] = parts[second], parts[first]
    assert_refused(assemble(parts))


def test_a_repeated_frame_is_refused(encrypted):
    parts = frames(encrypted)
    assert_refused(assemble(parts[:2] + parts[1:]))


def test_a_frame_from_another_file_is_refused(encrypted):
    other = frames(write_file(os.urandom(3 * SMALL_CHUNK + 10)))
    parts = frames(encrypted)
    parts[3] = other[3]  # same key, same position, same "last" flag
    assert_refused(assemble(parts))


@pytest.mark.parametrize("garbage", [b"\x00", b"garbage after the end", MAGIC])
def test_trailing_garbage_is_refused(encrypted, garbage):
    assert_refused(encrypted + garbage)


def test_a_second_file_appended_is_refused(encrypted):
    assert_refused(encrypted + encrypted[len(MAGIC) :])


@pytest.mark.parametrize(
    "start",
    [b"", b"PK\x03\x04", b"OSCAR-PRIVACY-ENC2\n", MAGIC[:-1], b"X" * len(MAGIC)],
)
def test_a_wrong_magic_is_refused(encrypted, start):
    assert_refused(start + encrypted[len(MAGIC) :])


def test_a_plain_zip_is_refused():
    import zipfile

    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("data.json", "{}")
    assert_refused(plain.getvalue())


def test_the_error_comes_before_any_plaintext_of_a_damaged_frame(encrypted):
    damaged = bytearray(encrypted)
    damaged[-1] ^= 0x01  # the last frame
    chunks = decrypted_chunks(io.BytesIO(bytes(damaged)))
    received = [next(chunks), next(chunks), next(chunks)]
    assert len(b"".join(received)) == 3 * SMALL_CHUNK
    with pytest.raises(DecryptionError):
        next(chunks)


def test_a_file_written_for_another_context_is_refused():
    target = io.BytesIO()
    with EncryptedWriter(target, context=b"export-1") as writer:
        writer.write(b"secret")
    assert b"".join(decrypted_chunks(io.BytesIO(target.getvalue()), b"export-1")) == b"secret"
    with pytest.raises(DecryptionError, match="belongs to something else"):
        list(decrypted_chunks(io.BytesIO(target.getvalue()), b"export-2"))
