from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crmkit import CRM
from crmkit.storage import MemoryStorage, SQLiteStorage

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite"])
def crm(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CRM]:
    storage = MemoryStorage() if request.param == "memory" else SQLiteStorage(tmp_path / "c.sqlite")
    with CRM(storage=storage, default_region="AL", clock=lambda: T0) as crm:
        yield crm
