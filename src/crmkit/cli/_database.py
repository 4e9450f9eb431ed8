"""``crmkit db distribute``."""

from __future__ import annotations

import argparse
from typing import TextIO

from crmkit.cli._output import Refusal

__all__ = ["distribute"]


def distribute(args: argparse.Namespace, out: TextIO) -> int:
    from crmkit.errors import ConfigurationError, ValidationError
    from crmkit.storage import is_postgres_url

    if not is_postgres_url(args.db):
        raise Refusal(f"--db {args.db}: expected a postgresql:// URL of a Citus coordinator")
    try:
        from crmkit.storage.postgres import distribute as distribute_tables

        tables = distribute_tables(args.db, schema=args.schema)
    except (ConfigurationError, ValidationError) as exc:
        raise Refusal(str(exc)) from exc
    if tables:
        out.write(f"distributed {len(tables)} tables on workspace: {', '.join(tables)}\n")
    else:
        out.write("every crmkit table is distributed already; nothing to do\n")
    return 0
