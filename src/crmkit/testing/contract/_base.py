"""Shared fixtures and helpers of the storage contract."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crmkit.contacts import Contact
from crmkit.crm import CRM
from crmkit.interactions import Interaction
from crmkit.storage.protocols import Storage

__all__ = ["T0", "ContractBase", "make_contact", "make_interaction"]

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def make_contact(**fields: Any) -> Contact:
    return Contact.new(now=T0, **fields)


def make_interaction(contact_id: str, minutes: int = 0, **fields: Any) -> Interaction:
    fields.setdefault("channel", "phone")
    return Interaction.new(
        contact_id=contact_id, occurred_at=T0 + timedelta(minutes=minutes), **fields
    )


class ContractBase:
    """Fixtures every part of the contract uses. Subclasses override ``storage``."""

    workspace = "contract"

    @pytest.fixture
    def storage(self) -> Iterator[Storage]:
        raise NotImplementedError("subclasses provide a storage fixture")

    def _add(self, storage: Storage, *contacts: Contact, workspace: str | None = None) -> None:
        with storage.unit_of_work(workspace or self.workspace) as uow:
            for c in contacts:
                uow.contacts.add(c)
            uow.commit()

    @pytest.fixture
    def crm(self, storage: Storage) -> CRM:
        return CRM(storage=storage, workspace=self.workspace, default_region="AL", clock=lambda: T0)
