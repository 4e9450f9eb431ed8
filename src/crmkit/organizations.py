"""Organisations: companies and institutions that contacts belong to."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from crmkit._fields import clean_custom, clean_region, clean_text_field
from crmkit._types import JSONValue, new_id, utcnow
from crmkit.errors import ValidationError

__all__ = ["Organization"]


@attrs.frozen
class Organization:
    """A company or institution that contacts can belong to.

    >>> Organization.new(name="Alfa Trade", country="bg", vat_id="BG123456789").country
    'BG'
    """

    id: str
    name: str
    legal_form: str | None = None
    tax_id: str | None = None
    vat_id: str | None = None
    domain: str | None = None
    industry: str | None = None
    country: str | None = None
    custom: Mapping[str, JSONValue] = attrs.field(factory=dict)
    created_at: datetime = attrs.field(factory=utcnow)
    version: int = 1

    @classmethod
    def new(cls, *, name: str, id: str | None = None, **fields: Any) -> Organization:
        """Validate and normalise a new organization (version 1)."""
        return cls(id=id or new_id(), name="?")._apply({"name": name, **fields}, bump=False)

    def changed(self, **fields: Any) -> Organization:
        """The next version with *fields* replaced (validated like :meth:`new`)."""
        return self._apply(fields, bump=True)

    def _apply(self, fields: Mapping[str, Any], *, bump: bool) -> Organization:
        values: dict[str, Any] = {}
        for key, value in fields.items():
            if key in ("name", "legal_form", "tax_id", "vat_id", "domain", "industry"):
                values[key] = clean_text_field(key, value)
            elif key == "country":
                values[key] = clean_region(value)
            elif key == "custom":
                values[key] = clean_custom(value)
            else:
                raise ValidationError(key, value, "not an organization field")
        if "name" in values and not values["name"]:
            raise ValidationError("name", fields["name"], "an organization needs a name")
        if values.get("domain"):
            values["domain"] = values["domain"].lower().removeprefix("www.")
        if values.get("vat_id"):
            values["vat_id"] = values["vat_id"].replace(" ", "").upper()
        if bump:
            values["version"] = self.version + 1
        return attrs.evolve(self, **values)
