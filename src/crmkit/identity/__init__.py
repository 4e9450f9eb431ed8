"""Recognising one person across channels: normalisation, matching, merging."""

from crmkit.identity.normalize import (
    identity_key,
    normalize_channel,
    normalize_digits,
    normalize_email,
    normalize_handle,
    normalize_phone,
)

__all__ = [
    "identity_key",
    "normalize_channel",
    "normalize_digits",
    "normalize_email",
    "normalize_handle",
    "normalize_phone",
]
