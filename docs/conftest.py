"""Doc pages whose examples need a server run only when the test suite is given one."""

from __future__ import annotations

import os

import pytest

# Page -> the environment variable naming the server its examples talk to.
_NEEDS_SERVER = {"postgres.md": "CRMKIT_TEST_POSTGRES_DSN"}


@pytest.fixture(autouse=True)
def _skip_pages_without_their_server(request: pytest.FixtureRequest) -> None:
    variable = _NEEDS_SERVER.get(request.node.path.name)
    if variable is not None and not os.environ.get(variable):
        pytest.skip(f"{variable} is not set")
