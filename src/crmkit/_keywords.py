"""The keywords a caller gave: how the facade's typed signatures reach the domain's checks.

Public methods spell their fields out (so a type checker refuses ``summry=`` and ``help()``
names them); the domain functions behind them validate. :func:`given` reads a method's
arguments once, as its first statement (``given(locals())``), instead of writing each field
again in the call, and an update's fields default to :data:`UNSET`, which is "leave as it
is" where ``None`` means "clear". :func:`refuse_unknown` keeps, for callers no type checker
reads, the :class:`crmkit.errors.ValidationError` that methods which once took
``**fields`` raised for a keyword they do not know.
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Callable, Collection, Mapping
from typing import Any, Final, ParamSpec, TypeVar

from crmkit.errors import ValidationError

__all__ = ["UNSET", "Unset", "given", "refuse_unknown"]

P = ParamSpec("P")
R = TypeVar("R")


class Unset(enum.Enum):
    """The type of :data:`UNSET` (a one-member enum, so type checkers narrow on ``is``)."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET


def given(
    arguments: Mapping[str, Any], *, absent: object = UNSET, skip: Collection[str] = ()
) -> dict[str, Any]:
    """The arguments of a call, read from ``locals()`` before anything else is assigned:
    every one but ``self`` and those in *skip* whose value is not *absent*.

    >>> def update(self, key, *, name=UNSET, city=UNSET):
    ...     return given(locals(), skip=("key",))
    >>> update(None, "k", city=None)
    {'city': None}
    """
    return {k: v for k, v in arguments.items() if v is not absent and k != "self" and k not in skip}


def refuse_unknown(what: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A keyword the method does not take raises ``ValidationError(name, value, "not
    <what> field")`` instead of Python's ``TypeError``. The signature stays the method's
    own, for type checkers and for ``help()``.

    >>> @refuse_unknown("a contact")
    ... def create(*, name=None):
    ...     return name
    >>> create(nmae="Besa")
    Traceback (most recent call last):
    ...
    crmkit.errors.ValidationError: invalid nmae 'Besa': not a contact field
    """

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        known = frozenset(inspect.signature(method).parameters)

        @functools.wraps(method)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            if not known.issuperset(kwargs):
                name = sorted(set(kwargs) - known)[0]
                raise ValidationError(name, kwargs[name], f"not {what} field")
            return method(*args, **kwargs)

        return checked

    return decorate
