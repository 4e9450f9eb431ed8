"""``crmkit lookup``: who is this (by phone, email, handle or name), and what did they last
say to us."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from crmkit.cli._output import Refusal, open_existing, print_json

if TYPE_CHECKING:
    from crmkit.crm import CRM
    from crmkit.identity.resolution import Candidate, Resolution
    from crmkit.interactions import Interaction

__all__ = ["lookup"]

# The look-up flags, each named as the argument of crm.resolve it fills.
_FLAGS = ("phone", "email", "handle", "name")


def lookup(args: argparse.Namespace, out: TextIO) -> int:
    """0: somebody found (one person, or the possible ones); 1: nobody."""
    query = {f: getattr(args, f).strip() for f in _FLAGS if getattr(args, f) is not None}
    if not query:
        raise Refusal("give --phone, --email, --handle CHANNEL:HANDLE or --name")
    blank = [f"--{flag}" for flag, value in query.items() if not value]
    if blank:
        raise Refusal(f"{blank[0]} is empty")
    with open_existing(args) as crm:
        res = _resolve(crm, query)
        sure = None if res.contact is None else res.contact.id
        people = [_person(crm, c, c.contact.id == sure, args.last) for c in res.candidates]
    if args.json:
        print_json({"query": query, "people": people}, out)
    elif people:
        _print(people, sure=sure is not None, last=args.last, out=out)
    else:
        asked = ", ".join(f"--{flag} {value!r}" for flag, value in query.items())
        # Every workspace is a separate CRM: say which one was searched (the demo's story
        # lives in "demo", not in the default one).
        raise Refusal(
            f"nobody found for {asked} in workspace {args.workspace!r}"
            " (another workspace? pass --workspace, e.g. --workspace demo for the demo)",
            status=1,
        )
    return 0 if people else 1


def _resolve(crm: CRM, query: dict[str, str]) -> Resolution:
    from crmkit.errors import ValidationError

    phone = query.get("phone")
    if phone is not None and crm.default_region is None and not phone.startswith(("+", "00")):
        raise Refusal(
            f"--phone {phone!r}: no country code; write it with one "
            "(+355 69 ...) or give --region, e.g. --region AL"
        )
    kwargs: dict[str, Any] = dict(query)
    if "handle" in query:
        channel, _, handle = query["handle"].partition(":")
        kwargs["handle"] = (channel, handle)
    try:
        return crm.resolve(**kwargs)
    except ValidationError as exc:
        # A bad phone, email or handle (or region) is the caller's input: refused, exit 2;
        # crmkit's message names the field and the value.
        raise Refusal(str(exc)) from exc


def _person(crm: CRM, candidate: Candidate, sure: bool, last: int) -> dict[str, Any]:
    """One person found: who (full id, name, identities), how sure, what they last said."""
    contact = candidate.contact
    return {
        "id": contact.id,
        "name": contact.name,
        "sure": sure,
        "score": round(candidate.score, 3),
        "reasons": list(candidate.reasons),
        "phones": list(contact.phones),
        "emails": list(contact.emails),
        "handles": [f"{channel}:{handle}" for channel, handle in contact.all_handles],
        "external_ids": [f"{s}:{x}" if s else x for s, x in contact.external_ids],
        "interactions": [_interaction(i) for i in crm.timeline(contact.id, limit=last)],
    }


def _interaction(it: Interaction) -> dict[str, Any]:
    return {
        "id": it.id,
        "occurred_at": it.occurred_at.isoformat(),
        "channel": it.channel,
        "direction": it.direction.value,
        "summary": it.summary,
        "handled_by": it.handled_by,
        "outcome": it.outcome,
    }


def _print(people: list[dict[str, Any]], *, sure: bool, last: int, out: TextIO) -> None:
    """The sure person first; then the possible ones (all of them when none is sure)."""
    if sure:
        _print_person(people[0], last, out)
    others = people[1:] if sure else people
    if others and sure:
        out.write(f"\nalso possible, best first: {len(others)}\n")
    elif others:
        out.write(f"not sure who this is; {len(others)} possible, best first\n")
    for person in others:
        out.write("\n")
        _print_person(person, last, out)


def _print_person(person: dict[str, Any], last: int, out: TextIO) -> None:
    out.write(f"{person['name'] or '?'}  {person['id']}\n")
    for label in ("phones", "emails", "handles", "external_ids"):
        if person[label]:
            out.write(f"  {label.replace('_', ' ') + ':':<14}{', '.join(person[label])}\n")
    out.write(f"  {'matched:':<14}{'; '.join(person['reasons'])} ({person['score']:.3f})\n")
    shown = person["interactions"]
    if last and not shown:
        out.write("  no interactions\n")
    elif shown:
        out.write(f"  last {len(shown)} interactions, newest first:\n")
    for i in shown:
        when = i["occurred_at"][:16].replace("T", " ")
        line = (
            f"    {when} UTC  {i['channel']:<10} {i['direction']:<9} "
            f"{i['handled_by'] or '-':<10} {i['summary'] or ''}"
        )
        out.write(line.rstrip() + "\n")
