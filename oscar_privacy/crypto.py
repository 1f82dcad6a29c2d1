"""Encryption at rest with rotatable keys (``cryptography``'s MultiFernet).

``OSCAR_PRIVACY_ENCRYPTION_KEYS`` lists Fernet keys, newest first: the
first encrypts, all decrypt. Small values go through :func:`encrypt` and
:func:`decrypt`; files too large to hold in memory (export archives) are
written through :class:`EncryptedWriter` and read back with
:func:`decrypted_chunks`, a chunk at a time.

An encrypted file is a header followed by frames; each frame is a 4-byte
big-endian length and a Fernet token whose plaintext starts with the frame's
index (8 bytes), a "last frame" flag (1 byte), the file's random id (16
bytes) and a digest of its context (16 bytes: what the file is for, such as
an export's id). Fernet authenticates each token; the index and the flag
make reordered, dropped or truncated frames fail, the file id frames spliced
in from another file, and the context a whole file copied over another's.
"""

import base64
import hashlib
import os
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
_FRAME_HEADER = struct.Struct(">QB16s16s")


class DecryptionError(PrivacyError):
    """Encrypted data is damaged, tampered with, or no configured key opens it."""


def fingerprint(secret):
    """What may be kept of a secret (a link's token): enough to recognise it, not to use it."""
    data = secret.encode() if isinstance(secret, str) else bytes(secret)
    return hashlib.sha256(data).hexdigest()[:32]


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


def current_fernet():
    """The Fernet of the first key alone: the one that encrypts."""
    keys = app_settings.ENCRYPTION_KEYS or [derived_key()]
    return Fernet(keys[0])


def is_current(token):
    """Whether ``token`` (bytes) was encrypted with the first key.

    Fernet tokens do not say which key made them, so this tries the first
    key alone.
    """
    try:
        current_fernet().decrypt(token)
    except InvalidToken:
        return False
    return True


def rotate(token):
    """``token`` encrypted again with the first key (``MultiFernet.rotate``).

    Raises :class:`DecryptionError` if no configured key opens it.
    """
    try:
        return get_fernet().rotate(token)
    except InvalidToken as exc:
        raise DecryptionError("The data cannot be decrypted with the configured keys.") from exc


def file_is_current(source):
    """Whether a file written by :class:`EncryptedWriter` was encrypted with the first key.

    Reads only the header and the first frame (a writer encrypts every frame
    of a file with the same key); the file is not otherwise checked.
    """
    try:
        _read_magic(source)
        return is_current(_read_token(source))
    except DecryptionError:
        return False


class EncryptedWriter:
    """A write-only binary file that encrypts what it is given into ``target``.

    Memory holds at most one chunk. :meth:`close` writes the last frame and
    must be called (or use the writer as a context manager); ``target`` is
    left open. ``context`` (bytes) must be given again to read the file.
    """

    def __init__(self, target, chunk_size=CHUNK_SIZE, context=b""):
        self.target = target
        self.file_id = os.urandom(16)
        self.context_tag = _context_tag(context)
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
        header = _FRAME_HEADER.pack(self.index, last, self.file_id, self.context_tag)
        token = self.fernet.encrypt(header + data)
        self.target.write(_LENGTH.pack(len(token)))
        self.target.write(token)
        self.index += 1

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def _read_exact(source, size):
    """Exactly ``size`` bytes of ``source``: a shorter read is a truncated file.

    Integrity must never depend on a decoder's leniency (some Fernet releases
    decode a token whose last padding character is missing).
    """
    data = source.read(size)
    if len(data) != size:
        raise DecryptionError("The encrypted file is truncated.")
    return data


def _read_magic(source):
    if source.read(len(MAGIC)) != MAGIC:
        raise DecryptionError("Not an oscar-privacy encrypted file.")


def _read_token(source):
    """The next frame's token: its 4-byte length, then exactly that many bytes."""
    (length,) = _LENGTH.unpack(_read_exact(source, _LENGTH.size))
    return _read_exact(source, length)


def _context_tag(context):
    return hashlib.sha256(b"oscar_privacy.crypto.context:" + context).digest()[:16]


def decrypted_chunks(source, context=b""):
    """Yield the plaintext of a file written by :class:`EncryptedWriter`.

    Raises :class:`DecryptionError` if the file is not one, was written for
    another ``context``, was tampered with or truncated, or no configured key
    opens it.
    """
    _read_magic(source)
    fernet = get_fernet()
    expected = 0
    file_id = None
    context_tag = _context_tag(context)
    while True:
        token = _read_token(source)
        try:
            plain = fernet.decrypt(token)
        except InvalidToken as exc:
            raise DecryptionError("A part of the encrypted file cannot be decrypted.") from exc
        if len(plain) < _FRAME_HEADER.size:
            raise DecryptionError("A part of the encrypted file is malformed.")
        index, last, frame_file_id, frame_context = _FRAME_HEADER.unpack_from(plain)
        if index != expected:
            raise DecryptionError("The parts of the encrypted file are out of order.")
        if frame_context != context_tag:
            raise DecryptionError("The encrypted file belongs to something else.")
        if file_id is None:
            file_id = frame_file_id
        elif frame_file_id != file_id:
            raise DecryptionError("The encrypted file mixes parts of several files.")
        expected += 1
        yield plain[_FRAME_HEADER.size :]
        if last:
            if source.read(1):
                raise DecryptionError("The encrypted file has data after its last part.")
            return
