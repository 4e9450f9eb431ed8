"""Citus: every crmkit table distributed on ``workspace``, co-located with ``contacts``.

Every key starts with ``workspace`` and every query names one workspace, so each workspace's
rows of every table live in one shard group on one worker and each query is a router query.
``crmkit_schema_version`` has no workspace and stays a plain table on the coordinator.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from crmkit.errors import ConfigurationError

__all__ = ["ANCHOR", "distribute_tables", "has_citus", "require_citus"]

ANCHOR = "contacts"  # distributed first; every other table is co-located with it
# Any fixed number works; it differs from the migration lock so a distribute can wait on it.
_DISTRIBUTE_LOCK = 0x63726D64


def has_citus(conn: psycopg.Connection[Any]) -> bool:
    """Whether this database has the citus extension."""
    return conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'").fetchone() is not None


def require_citus(conn: psycopg.Connection[Any], dsn_hint: str) -> None:
    if not has_citus(conn):
        raise ConfigurationError(
            f"{dsn_hint} has no citus extension: distributing needs a Citus coordinator "
            "(CREATE EXTENSION citus, then citus_add_node for each worker)"
        )


def _distributed(conn: psycopg.Connection[Any]) -> set[str]:
    rows = conn.execute(
        "SELECT c.relname FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid "
        "WHERE c.relnamespace = current_schema()::regnamespace AND p.partmethod = 'h'"
    ).fetchall()
    return {r[0] for r in rows}


def distribute_tables(
    conn: psycopg.Connection[Any], tables: Sequence[str], *, only_if_started: bool = False
) -> list[str]:
    """Distribute each of ``tables`` (in creation order, so a referenced table goes before
    the tables that point at it) that is not distributed yet; returns those it distributed.

    ``only_if_started``: do nothing unless ``contacts`` is distributed already (an upgrade
    of a distributed database distributes the tables it added; a plain one stays plain).
    Each table is one transaction under a lock, so processes doing this at once do it once.
    """
    if not has_citus(conn):
        return []
    if only_if_started and ANCHOR not in _distributed(conn):
        return []
    done: list[str] = []
    for table in sorted(tables, key=lambda t: t != ANCHOR):
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_DISTRIBUTE_LOCK,))
            if table in _distributed(conn):
                continue
            colocate = "none" if table == ANCHOR else ANCHOR
            conn.execute(
                "SELECT create_distributed_table(%s, 'workspace', colocate_with => %s)",
                (table, colocate),
            )
            done.append(table)
    return done
