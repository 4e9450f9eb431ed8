from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from crmkit.storage import MemoryStorage
from crmkit.testing import RecordStoreMachine, StorageContract, StorageMachine


class TestMemoryStorage(StorageContract):
    @pytest.fixture
    def storage(self) -> Iterator[MemoryStorage]:
        storage = MemoryStorage()
        yield storage
        storage.close()


TestMemoryMachine = StorageMachine.for_backend(MemoryStorage).TestCase
TestMemoryMachine.settings = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


TestMemoryRecordsMachine = RecordStoreMachine.for_backend(MemoryStorage).TestCase
TestMemoryRecordsMachine.settings = settings(
    max_examples=40,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
