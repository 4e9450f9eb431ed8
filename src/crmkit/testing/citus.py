"""A database of its own on the Citus test cluster (``tools/citus-cluster.sh``), for the
operations that change the cluster itself (adding a worker and rebalancing): the suite in
tests/storage/test_citus.py and benchmarks/bench_citus.py both start from one. Needs a
repository checkout (the script lives beside the sources, not in the package)."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

__all__ = ["own_cluster_database"]

_TOOL = Path(__file__).resolve().parents[3] / "tools" / "citus-cluster.sh"


@contextmanager
def own_cluster_database(
    dsn: str, prefix: str, *, options: str | None = None
) -> Iterator[tuple[str, int]]:
    """Create a database named *prefix* plus a random suffix on every node of the cluster
    whose coordinator *dsn* names (``citus-cluster.sh createdb``: the two workers
    registered, the spare node at the coordinator's port + 3 not), and drop it on the way
    out. Yields (its DSN, with libpq *options* if given; the spare's port): adding the spare
    to this database's cluster leaves the shared test database alone.

    Not run here (it needs the cluster); the test suite and benchmark above use it as::

        with own_cluster_database(dsn, "crmkit_rebalance") as (own_dsn, spare):
            ...
    """
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    coordinator = int(info.get("port") or 5432)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "CITUS_PORT": str(coordinator)}
    subprocess.run([str(_TOOL), "createdb", name], env=env, check=True, capture_output=True)
    info["dbname"] = name
    if options is not None:
        info["options"] = options
    try:
        yield psycopg.conninfo.make_conninfo("", **info), coordinator + 3
    finally:
        subprocess.run([str(_TOOL), "dropdb", name], env=env, check=True, capture_output=True)
