"""The command line's arguments."""

from __future__ import annotations

import argparse

__all__ = ["parser"]


def parser() -> argparse.ArgumentParser:
    from crmkit import __version__
    from crmkit.identity.matcher import DEDUPE_THRESHOLD

    top = argparse.ArgumentParser(
        prog="crmkit", description="crmkit: a business's memory of its customers"
    )
    top.add_argument("--version", action="version", version=f"crmkit {__version__}")
    commands = top.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="play the cross-channel story on a SQLite file")
    demo.add_argument(
        "--db",
        help="SQLite file to keep the story in (default: in memory); "
        "a file that holds it already is shown, not played again",
    )
    imp = commands.add_parser("import", help="import contacts from a CSV file")
    imp.add_argument("csv", help="CSV file with a header row (first_name, email, phone, ...)")
    _database(imp, "SQLite file (created if absent) or postgresql:// URL")
    imp.add_argument(
        "--encoding",
        default="utf-8-sig",
        help="text encoding of the file (default UTF-8; e.g. cp1250, cp1251)",
    )
    imp.add_argument(
        "--delimiter",
        type=_delimiter,
        help="field separator: ',' ';' 'tab' or one character (default: sniffed)",
    )
    imp.add_argument(
        "--map",
        action="append",
        type=_mapping,
        default=[],
        metavar="COLUMN=FIELD",
        help="read a column as a crmkit field, e.g. 'Imię=first_name' (repeatable)",
    )
    imp.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    imp.add_argument(
        "--all-or-nothing",
        action="store_true",
        help="one transaction: write nothing if any row fails",
    )
    imp.add_argument(
        "--batch-size",
        type=int,
        metavar="ROWS",
        help="rows committed per transaction (default 5000)",
    )
    dedupe = commands.add_parser("dedupe", help="find duplicate contacts, with reasons")
    _database(dedupe)
    dedupe.add_argument(
        "--threshold",
        type=float,
        default=DEDUPE_THRESHOLD,
        help=f"match probability needed (default {DEDUPE_THRESHOLD})",
    )
    dedupe.add_argument(
        "--merge", action="store_true", help="merge each group into its oldest contact"
    )
    _json(dedupe)
    review = commands.add_parser(
        "review", help="list likely duplicates waiting for a person; merge or dismiss one"
    )
    review.add_argument("action", nargs="?", choices=["merge", "dismiss"])
    review.add_argument("item", nargs="?", help="id of the review item to decide")
    _database(review)
    review.add_argument("--status", default="open", choices=["open", "merged", "dismissed", "all"])
    review.add_argument(
        "--candidate", help="with merge: the candidate to merge into (default: the best)"
    )
    _json(review)
    merges = commands.add_parser("merges", help="list the merges, newest last")
    _database(merges)
    _json(merges)
    unmerge = commands.add_parser("unmerge", help="undo a merge (see crmkit merges)")
    unmerge.add_argument("merge_id")
    _database(unmerge)
    look = commands.add_parser("lookup", help="who is this, and what did they last say to us")
    _database(look)
    look.add_argument("--phone", help="a phone number, e.g. '+355 69 123 45 67'")
    look.add_argument("--email")
    look.add_argument(
        "--handle",
        type=_handle,
        metavar="CHANNEL:HANDLE",
        help="a social handle, e.g. instagram:@besa.kola",
    )
    look.add_argument("--name", help="a name: the likely people, best first")
    look.add_argument(
        "--last",
        type=_count,
        default=5,
        metavar="N",
        help="how many interactions of each person to show (default 5)",
    )
    _json(look)
    export = commands.add_parser(
        "export", help="write contacts, interactions or the ledger as CSV or JSON lines"
    )
    export.add_argument("what", choices=["contacts", "interactions", "ledger"])
    _database(export)
    export.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    export.add_argument("--json", action="store_true", help="JSON lines instead of CSV")
    rep = commands.add_parser("report", help="funnel, CLV, RFM or forecast as a table")
    rep.add_argument("report", choices=["funnel", "clv", "rfm", "forecast"])
    _database(rep)
    rep.add_argument(
        "--pipeline", help="funnel, forecast: the pipeline's name or id (default: the only one)"
    )
    rep.add_argument("--since", metavar="DATE", help="funnel: deals created from DATE")
    rep.add_argument("--until", metavar="DATE", help="funnel: deals created before DATE")
    rep.add_argument(
        "--as-of", metavar="DATE", help="clv, rfm: the ledger up to DATE (default: now)"
    )
    rep.add_argument(
        "--model",
        default="bgnbd",
        choices=["bgnbd", "mbgnbd", "paretonbd"],
        help="clv: the purchase model (default bgnbd)",
    )
    form = rep.add_mutually_exclusive_group()
    form.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    form.add_argument("--json", action="store_true", help="print JSON instead of a table")
    db = commands.add_parser("db", help="operate on a database").add_subparsers(
        dest="db_command", required=True
    )
    distribute = db.add_parser(
        "distribute",
        help="distribute every crmkit table of a Citus database on workspace "
        "(migrates first; safe to run again)",
    )
    distribute.add_argument(
        "--db", required=True, help="postgresql:// URL of the Citus coordinator"
    )
    distribute.add_argument(
        "--schema", default="crmkit", help="the schema crmkit's tables live in (default: crmkit)"
    )
    return top


def _database(command: argparse.ArgumentParser, what: str | None = None) -> None:
    command.add_argument(
        "--db", required=True, help=what or "an existing SQLite file or a postgresql:// URL"
    )
    command.add_argument("--workspace", default="default")
    command.add_argument("--region", help="country for phone numbers without a code, e.g. AL")


def _delimiter(text: str) -> str:
    text = {"tab": "\t", "\\t": "\t"}.get(text.lower(), text)
    if len(text) != 1 or text in '"\r\n':
        raise argparse.ArgumentTypeError("expected one character, or 'tab'")
    return text


def _mapping(text: str) -> tuple[str, str]:
    source, sep, target = text.partition("=")
    if not sep or not source.strip() or not target.strip():
        raise argparse.ArgumentTypeError("expected COLUMN=FIELD, e.g. 'Imię=first_name'")
    return source.strip(), target.strip()


def _handle(text: str) -> str:
    channel, sep, handle = text.partition(":")
    if not sep or not channel.strip() or not handle.strip():
        raise argparse.ArgumentTypeError("expected CHANNEL:HANDLE, e.g. instagram:@besa.kola")
    return text


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError("expected a whole number, 0 or more")
    return int(text)


def _json(command: argparse.ArgumentParser) -> None:
    command.add_argument("--json", action="store_true", help="print JSON instead of text")
