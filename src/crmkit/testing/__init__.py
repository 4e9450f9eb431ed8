"""Test helpers shipped with crmkit so third-party backends can prove themselves.

Subclass :class:`StorageContract` (pytest) and :class:`StorageMachine` (hypothesis) with a
factory for your backend; both need the ``dev`` extra (pytest and hypothesis).

::

    class TestMyStorage(StorageContract):
        @pytest.fixture
        def storage(self):
            s = complete(MyStorage(...))  # crmkit.storage.complete fills what MyStorage lacks
            yield s
            s.close()

    TestMyStorageMachine = StorageMachine.for_backend(lambda: complete(MyStorage())).TestCase
    TestMyRecordsMachine = RecordStoreMachine.for_backend(lambda: complete(MyStorage())).TestCase
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401
    import pytest  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the dev extra
    from crmkit.errors import ConfigurationError

    raise ConfigurationError(
        "crmkit.testing needs pytest and hypothesis: pip install 'crmkit[dev]'"
    ) from exc

from crmkit.testing.contract import StorageContract
from crmkit.testing.stateful import StorageMachine
from crmkit.testing.stateful_records import RecordStoreMachine

__all__ = ["RecordStoreMachine", "StorageContract", "StorageMachine"]
