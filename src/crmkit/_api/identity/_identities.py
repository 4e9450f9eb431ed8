"""Turning the identity arguments of resolve/record/find into index keys."""

from __future__ import annotations

from typing import Any

import attrs

from crmkit._missing import present
from crmkit.errors import InvalidHandleError, ValidationError
from crmkit.identity.normalize import (
    identity_key,
    normalize_email,
    normalize_external_id,
    normalize_handle,
    normalize_phone,
)

__all__ = ["IdentityArgs", "lookup_keys", "parse_identities"]


@attrs.frozen
class IdentityArgs:
    """Normalised identities from one call, ready for lookup or for a new contact."""

    email: str | None = None
    phone: str | None = None
    handle: tuple[str, str] | None = None
    external_id: tuple[str | None, str] | None = None

    def lookup_keys(self) -> list[tuple[str, str]]:
        """``(label, key)`` pairs, strongest evidence first."""
        out = []
        if self.external_id:
            system, value = self.external_id
            out.append(("external id", identity_key("external", value, channel=system)))
        if self.phone:
            out.append(("phone", identity_key("phone", self.phone)))
        if self.email:
            out.append(("email", identity_key("email", self.email)))
        if self.handle:
            channel, value = self.handle
            out.append((f"{channel} handle", identity_key("handle", value, channel=channel)))
        return out

    def contact_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if self.email:
            fields["emails"] = [self.email]
        if self.phone:
            fields["phones"] = [self.phone]
        if self.handle:
            fields["handles"] = {self.handle[0]: self.handle[1]}
        if self.external_id:
            fields["external_ids"] = [self.external_id]
        return fields


def parse_identities(
    *,
    email: Any = None,
    phone: Any = None,
    handle: Any = None,
    external_id: Any = None,
    region: str | None = None,
    channel: str | None = None,
) -> IdentityArgs:
    """Validate and normalise; a plain-string handle belongs to *channel*; an external id is
    an id (``"1042"``, ``1042``) or ``(system, id)``. Missing values
    (``None``, NaN, pandas ``NA``, blank text: :func:`crmkit._missing.is_missing`) are absent.
    """
    email, phone, handle = present(email), present(phone), present(handle)
    external_id = present(external_id)
    external: tuple[str | None, str] | None = None
    if isinstance(external_id, tuple | list) and len(external_id) == 2:
        external = normalize_external_id(external_id[1], present(external_id[0]))
    elif external_id is not None:
        external = normalize_external_id(external_id)
    handle_pair: tuple[str, str] | None = None
    if handle is not None:
        if isinstance(handle, tuple | list) and len(handle) == 2:
            handle_pair = normalize_handle(handle[0], handle[1])
        elif isinstance(handle, str):
            if channel is None:
                raise InvalidHandleError(
                    "handle", handle, "give (channel, handle), e.g. ('instagram', 'besa.kola')"
                )
            handle_pair = normalize_handle(channel, handle)
        else:
            raise InvalidHandleError("handle", handle, "expected (channel, handle)")
    return IdentityArgs(
        email=None if email is None else normalize_email(email),
        phone=None if phone is None else normalize_phone(phone, region),
        handle=handle_pair,
        external_id=external,
    )


def lookup_keys(
    region: str | None,
    *,
    email: Any = None,
    phone: Any = None,
    handle: Any = None,
    external_id: Any = None,
) -> tuple[IdentityArgs, list[tuple[str, str]]]:
    """:func:`parse_identities` for a call that looks people up (find, add_identity,
    is_suppressed): the parsed identities and their lookup keys, at least one of them."""
    ids = parse_identities(
        email=email, phone=phone, handle=handle, external_id=external_id, region=region
    )
    keys = ids.lookup_keys()
    if not keys:
        raise ValidationError("identity", None, "give email=, phone=, handle= or external_id=")
    return ids, keys
