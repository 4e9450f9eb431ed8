"""``crmkit export``: contacts, interactions or the ledger as CSV or JSON lines."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from crmkit.cli._output import Refusal, open_existing

if TYPE_CHECKING:
    from crmkit.contacts import Contact
    from crmkit.interactions import Interaction
    from crmkit.storage.protocols import UnitOfWork
    from crmkit.value.ledger import Transaction

__all__ = ["columns", "export"]


def _contact(c: Contact) -> dict[str, Any]:
    return c.to_dict()


def _interaction(i: Interaction) -> dict[str, Any]:
    return {
        "id": i.id,
        "contact_id": i.contact_id,
        "occurred_at": i.occurred_at.isoformat(),
        "channel": i.channel,
        "direction": i.direction.value,
        "summary": i.summary,
        "body": i.body,
        "handled_by": i.handled_by,
        "outcome": i.outcome,
        "deal_id": i.deal_id,
        "task_id": i.task_id,
        "created_at": i.created_at.isoformat(),
    }


def _transaction(t: Transaction) -> dict[str, Any]:
    return {
        "id": t.id,
        "contact_id": t.contact_id,
        "occurred_at": t.occurred_at.isoformat(),
        "kind": t.kind.value,
        # Text, not a float: an amount is exact to the cent in every reader.
        "amount": str(t.amount.amount),
        "currency": t.amount.currency,
        "order_id": t.order_id,
        "note": t.note,
        "lines": [
            {
                "sku": line.sku,
                "description": line.description,
                "quantity": str(line.quantity),
                "unit_price": str(line.unit_price.amount),
            }
            for line in t.lines
        ],
        "created_at": t.created_at.isoformat(),
    }


def _records(uow: UnitOfWork, what: str) -> Iterator[dict[str, Any]]:
    if what == "contacts":
        return (_contact(c) for c in uow.contacts.iter_all())
    if what == "interactions":
        return (_interaction(i) for i in uow.interactions.iter_all())
    return (_transaction(t) for t in uow.transactions.iter_all())


def columns(what: str) -> tuple[str, ...]:
    """The columns of an export, in order: the CSV header, and the keys of each JSON line
    (read off a blank record, so the header and the rows cannot drift apart)."""
    from datetime import UTC, datetime

    from crmkit._types import Money
    from crmkit.contacts import Contact
    from crmkit.interactions import Interaction
    from crmkit.value.ledger import Transaction

    if what == "contacts":
        return tuple(_contact(Contact.new()))
    if what == "interactions":
        return tuple(_interaction(Interaction.new(contact_id="-", channel="phone")))
    blank = Transaction.new(
        contact_id="-", kind="purchase", amount=Money("0", "EUR"), occurred_at=datetime.now(UTC)
    )
    return tuple(_transaction(blank))


def csv_cell(value: Any) -> Any:
    """One CSV cell: lists joined with ``"; "``, pairs and handles as ``a:b``, other
    structures (custom fields, order lines) as JSON text, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return "; ".join(f"{k}:{v}" for k, v in value.items())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(value)
    if isinstance(value, list) and all(
        isinstance(v, list) and len(v) == 2 and all(isinstance(p, str) for p in v) for v in value
    ):
        return "; ".join(f"{a}:{b}" for a, b in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False) if value else ""
    return value


def write_rows(
    rows: Iterable[dict[str, Any]], header: tuple[str, ...], out: TextIO, *, as_json: bool
) -> int:
    """Write *rows* as CSV (a header first) or as JSON lines; returns how many."""
    count = 0
    if as_json:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
        return count
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in header])
        count += 1
    return count


def export(args: argparse.Namespace, out: TextIO) -> int:
    target = args.out
    if target is not None:
        folder = os.path.dirname(os.path.abspath(target))
        if os.path.isdir(target):
            raise Refusal(f"--out {target}: a folder; give a file name")
        if not os.path.isdir(folder):
            raise Refusal(f"--out {target}: no such folder {folder}")
    with (
        open_existing(args) as crm,
        crm.storage.unit_of_work(crm.workspace, read_only=True) as uow,
    ):
        rows = _records(uow, args.what)
        header = columns(args.what)
        if target is None:
            write_rows(rows, header, out, as_json=args.json)
            return 0
        count = _write_file(target, lambda f: write_rows(rows, header, f, as_json=args.json))
    sys.stderr.write(f"crmkit export: {count} {args.what} rows written to {target}\n")
    return 0


def _write_file(target: str, write: Callable[[TextIO], int]) -> int:
    # A file next to the target, renamed over it when complete: a failed or interrupted
    # export never leaves half a file where a whole one is expected.
    folder = os.path.dirname(os.path.abspath(target))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".crmkit-export-", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as f:
            count = write(f)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
    return count
