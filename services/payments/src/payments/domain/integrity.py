"""Integrity hash of a payment file: a digest over the exact bytes handed to the bank.

Dutch practice: the bank portal computes the same digest on the uploaded file and the user
compares the two (often only the last characters) before authorising. No canonicalisation is
done on purpose: any change to the bytes must change the hash.
"""

from __future__ import annotations

import hashlib
from typing import Literal

HashAlgorithm = Literal["sha256", "sha1"]


def file_digest(data: bytes, algorithm: HashAlgorithm = "sha256") -> str:
    """Lower-case hexadecimal digest of `data`."""
    if algorithm == "sha256":
        return hashlib.sha256(data).hexdigest()
    if algorithm == "sha1":
        # Still shown by some bank portals (BNG); not used for anything security-related here.
        return hashlib.sha1(data, usedforsecurity=False).hexdigest()
    raise ValueError(f"hash algorithm {algorithm!r} is not supported; use sha256 or sha1.")


def hash_tail(digest: str, length: int = 6) -> str:
    """The last `length` characters in upper case, as printed on reports for a quick comparison."""
    return digest[-length:].upper()
