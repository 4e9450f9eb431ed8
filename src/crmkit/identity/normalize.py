"""Canonical forms of email, phone, handle and external id: see :mod:`crmkit._normalize`.

The implementation lives outside this package so that :mod:`crmkit.contacts` can use it
without importing the whole identity engine (which itself works on contacts).
"""

from crmkit._normalize import (
    CASE_INSENSITIVE_CHANNELS,
    identity_key,
    normalize_channel,
    normalize_digits,
    normalize_email,
    normalize_external_id,
    normalize_handle,
    normalize_phone,
)

__all__ = [
    "CASE_INSENSITIVE_CHANNELS",
    "identity_key",
    "normalize_channel",
    "normalize_digits",
    "normalize_email",
    "normalize_external_id",
    "normalize_handle",
    "normalize_phone",
]
