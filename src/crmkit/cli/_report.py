"""``crmkit report funnel|clv|rfm|forecast``: a table, ``--csv`` or ``--json``."""

from __future__ import annotations

import argparse
import csv
import sys
import warnings
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, TextIO

from crmkit.cli._export import csv_cell
from crmkit.cli._output import Refusal, open_existing, print_json

if TYPE_CHECKING:
    from crmkit.crm import CRM
    from crmkit.funnel.pipeline import Pipeline

__all__ = ["REPORTS", "moment", "plain", "report"]

REPORTS = ("funnel", "clv", "rfm", "forecast")


def moment(text: str | None, flag: str) -> datetime | None:
    """``--as-of 2026-12-01`` (midnight UTC) or an ISO 8601 time (UTC unless it says)."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        when = datetime.fromisoformat(text)
    except ValueError:
        raise Refusal(
            f"{flag} {text!r}: expected a date (2026-12-01) or a time (2026-12-01T09:30)"
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def plain(value: Any) -> Any:
    """A report cell as JSON and CSV hold it: amounts as exact text, durations in seconds,
    times in ISO 8601."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def report(args: argparse.Namespace, out: TextIO) -> int:
    # Every flag is read before the database is opened: bad input is refused as a whole.
    since, until = moment(args.since, "--since"), moment(args.until, "--until")
    as_of = moment(args.as_of, "--as-of") or datetime.now(UTC)
    with open_existing(args) as crm:
        if args.report in ("funnel", "forecast"):
            pipeline = _pipeline(crm, args.pipeline)
            if args.report == "funnel":
                result: Any = crm.funnel(pipeline.id, since=since, until=until)
            else:
                result = crm.forecast(pipeline.id)
            rows, table = result.to_rows(), repr(result)
        else:
            names = {c.id: c.name for c in crm.contacts.all()}
            if args.report == "clv":
                rows = _clv_rows(crm, as_of, args.model)
                title = f"CLV as of {as_of:%Y-%m-%d %H:%M} UTC, {args.model}: {len(rows)} customers"
            else:
                rows = _rfm_rows(crm, as_of)
                title = f"RFM as of {as_of:%Y-%m-%d %H:%M} UTC: {len(rows)} buyers"
            rows = [
                {"contact_id": r["contact_id"], "name": names.get(r["contact_id"])} | r
                for r in rows
            ]
            table = _table(title, rows)
    if args.json:
        return print_json([{k: plain(v) for k, v in r.items()} for r in rows], out)
    if args.csv:
        return _csv(rows, out)
    out.write(table + "\n")
    return 0


def _pipeline(crm: CRM, wanted: str | None) -> Pipeline:
    from crmkit.errors import PipelineNotFoundError

    pipelines = crm.pipelines.all()
    names = ", ".join(repr(p.name) for p in pipelines) or "none yet"
    if wanted is None:
        if len(pipelines) == 1:
            return pipelines[0]
        if not pipelines:
            raise Refusal(f"workspace {crm.workspace!r} has no pipeline to report on", status=1)
        raise Refusal(f"which pipeline? give --pipeline, one of {names}")
    try:
        return crm.pipelines.get(wanted)
    except PipelineNotFoundError:
        raise Refusal(f"--pipeline {wanted!r}: no such pipeline; there are {names}") from None


def _clv_rows(crm: CRM, as_of: datetime, model: str) -> list[dict[str, Any]]:
    # A fit that degenerates still gives a report; the operator gets its warning as one
    # line, not Python's two-line warning display with a source line from crmkit's insides.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = crm.clv(as_of=as_of, model=model).to_rows()
    for w in caught:
        sys.stderr.write(f"crmkit report: warning: {w.message}\n")
    return rows


def _rfm_rows(crm: CRM, as_of: datetime) -> list[dict[str, Any]]:
    from crmkit.segments.rfm import rfm_scores
    from crmkit.value.ledger import TransactionKind

    purchases = (
        (t.contact_id, t.occurred_at, t.amount)
        for t in crm.transactions.all()
        if t.kind is TransactionKind.PURCHASE
    )
    return rfm_scores(purchases, now=as_of).to_rows()


def _table(title: str, rows: Sequence[dict[str, Any]]) -> str:
    from crmkit.funnel._table import render_table

    columns = list(rows[0]) if rows else ["contact_id"]
    shown = [{k: _short(v) for k, v in r.items()} for r in rows]
    return render_table(title, shown, columns)


def _short(value: Any) -> Any:
    return f"{value:%Y-%m-%d}" if isinstance(value, datetime) else value


def _csv(rows: Sequence[dict[str, Any]], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    if rows:
        writer.writerow(list(rows[0]))
    for r in rows:
        writer.writerow([csv_cell(plain(v)) for v in r.values()])
    return 0
