"""Encryption at rest with rotatable keys (``cryptography``'s MultiFernet).

``OSCAR_PRIVACY_ENCRYPTION_KEYS`` lists Fernet keys, newest first: the
first encrypts, all decrypt. Small values go through :func:`encrypt` and
:func:`decrypt`; files too large to hold in memory (export archives) are
written through :class:`EncryptedWriter` and read back with
:func:`decrypted_chunks`, a chunk at a time.

An encrypted file is a header followed by frames; each frame is a 4-byte
big-endian length and a Fernet token whose plaintext starts with the frame's
index (8 bytes) and a "last frame" flag (1 byte). Fernet authenticates each
token; the index and the flag make reordered, dropped or truncated frames
fail too.
"""

import base64
import struct

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from .conf import app_settings
from .exceptions import PrivacyError

MAGIC = b"OSCAR-PRIVACY-ENC1\n"
CHUNK_SIZE = 256 * 1024
_LENGTH = struct.Struct(">I")
_FRAME_HEADER = struct.Struct(">QB")


class DecryptionError(PrivacyError):
    """Encrypted data is damaged, tampered with, or no configured key opens it."""


def derived_key():
    """A Fernet key derived from ``SECRET_KEY``: for development only (see check E010)."""
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"oscar_privacy.encryption", info=b"fernet"
    ).derive(settings.SECRET_KEY.encode())
    return base64.urlsafe_b64encode(key)


def get_fernet():
    """The MultiFernet built from the configured keys (or the derived one)."""
    keys = app_settings.ENCRYPTION_KEYS or [derived_key()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(data):
    """Encrypt ``bytes`` with the first key; returns the token as bytes."""
    return get_fernet().encrypt(data)


def decrypt(token):
    """Decrypt a token made by :func:`encrypt` with any configured key."""
    try:
        return get_fernet().decrypt(token)
    except InvalidToken as exc:
        raise DecryptionError("The data cannot be decrypted with the configured keys.") from exc


class EncryptedWriter:
    """A write-only binary file that encrypts what it is given into ``target``.

    Memory holds at most one chunk. :meth:`close` writes the last frame and
    must be called (or use the writer as a context manager); ``target`` is
    left open.
    """

    def __init__(self, target, chunk_size=CHUNK_SIZE):
        self.target = target
        self.chunk_size = chunk_size
        self.fernet = get_fernet()
        self.buffer = bytearray()
        self.index = 0
        self.closed = False
        self.position = 0
        target.write(MAGIC)

    def writable(self):
        return True

    def seekable(self):
        return False

    def tell(self):
        return self.position

    def flush(self):
        pass

    def write(self, data):
        if self.closed:
            raise ValueError("write to a closed EncryptedWriter")
        self.buffer += data
        self.position += len(data)
        while len(self.buffer) > self.chunk_size:
            self._frame(bytes(self.buffer[: self.chunk_size]), last=False)
            del self.buffer[: self.chunk_size]
        return len(data)

    def close(self):
        if not self.closed:
            self._frame(bytes(self.buffer), last=True)
            self.buffer = bytearray()
            self.closed = True

    def _frame(self, data, last):
        token = self.fernet.encrypt(_FRAME_HEADER.pack(self.index, last) + data)
        self.target.write(_LENGTH.pack(len(token)))
        self.target.write(token)
        self.index += 1

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def decrypted_chunks(source):
    """Yield the plaintext of a file written by :class:`EncryptedWriter`.

    Raises :class:`DecryptionError` if the file is not one, was tampered with
    or truncated, or no configured key opens it.
    """
    if source.read(len(MAGIC)) != MAGIC:
        raise DecryptionError("Not an oscar-privacy encrypted file.")
    fernet = get_fernet()
    expected = 0
    while True:
        length = source.read(_LENGTH.size)
        if len(length) != _LENGTH.size:
            raise DecryptionError("The encrypted file is truncated.")
        token = source.read(_LENGTH.unpack(length)[0])
        try:
            plain = fernet.decrypt(token)
        except InvalidToken as exc:
            raise DecryptionError("A part of the encrypted file cannot be decrypted.") from exc
        index, last = _FRAME_HEADER.unpack_from(plain)
        if index != expected:
            raise DecryptionError("The parts of the encrypted file are out of order.")
        expected += 1
        yield plain[_FRAME_HEADER.size :]
        if last:
            if source.read(1):
                raise DecryptionError("The encrypted file has data after its last part.")
            return
