"""Build crmkit's API reference with pdoc: ``python tools/api_reference.py OUTPUT_DIR``.

The reference covers every public module (no part of its dotted name starts with ``_``) and
the facade's sub-APIs (``crm.contacts``, ``crm.tasks``, ``crm.campaigns``, ...), whose classes
live in ``crmkit._api``; old import paths kept for one release are left out (they are the
new modules under another name). pdoc's warnings (a docstring it cannot parse, an annotation
it cannot resolve, a name in ``__all__`` that does not exist) are errors here: the build
prints them and exits 1. ``tests/core/test_api_reference.py`` runs it on every test run.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import re
import sys
import warnings
from pathlib import Path

import crmkit

# The facade's plumbing, not an API a user calls.
_PLUMBING = ("crmkit._api._",)


def _is_moved_alias(name: str) -> bool:
    # A shim at an old path (see crmkit._moved) documents nothing of its own.
    spec = importlib.util.find_spec(name)
    origin = spec.origin if spec is not None else None
    return origin is not None and "alias_moved_module(" in Path(origin).read_text("utf-8")


def _sub_apis() -> set[str]:
    """The modules of ``crmkit._api`` holding a class the ``CRM`` facade is made of (its
    attributes' classes, its mixins, its policies), not the plumbing between them."""
    import crmkit.crm

    return {
        value.__module__
        for value in vars(crmkit.crm).values()
        if isinstance(value, type)
        and value.__module__.startswith("crmkit._api.")
        and not value.__module__.startswith(_PLUMBING)
    }


def modules() -> list[str]:
    """The dotted names of the modules the reference documents, parents before children."""
    root = Path(crmkit.__file__).parent
    names = []
    # Files rather than pkgutil, which skips the namespace packages under crmkit._api.
    for path in sorted(root.rglob("*.py")):
        parts = ["crmkit", *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        if any(p.startswith("_") for p in parts) or _is_moved_alias(name):
            continue
        names.append(name)
    return sorted([*names, *_sub_apis()], key=lambda n: n.split("."))


def _specs(names: list[str]) -> list[str]:
    """*names* less those pdoc reaches by walking a package listed before them (pdoc warns
    about a module given twice)."""
    import pdoc.extract

    covered: set[str] = set()
    specs = []
    for name in names:
        if name not in covered:
            specs.append(name)
            covered.update(pdoc.extract.walk_specs([name]))
    return specs


def _resolve_lazy_names(names: list[str]) -> list[tuple[dict[str, object], str]]:
    """Put in each package's namespace the names it imports only when first asked
    (crmkit.storage.PostgresStorage, so that psycopg is needed only by those who use it),
    since pdoc reads the namespace; return what was put where, to take out again."""
    added = []
    for name in names:
        module = importlib.import_module(name)
        if hasattr(module, "__getattr__"):
            namespace = vars(module)
            for public in getattr(module, "__all__", ()):
                if public not in namespace:
                    namespace[public] = getattr(module, public)
                    added.append((namespace, public))
    return added


# pdoc evaluates a method's annotations in its class's namespace, where the methods named
# ``list`` of these sub-APIs hide the builtin; the pages show those annotations as written.
_SHADOWED_LIST = re.compile(
    r"Error parsing type annotation list\[\w+\] for "
    r"crmkit\._api\.segments\.(api\.SegmentsAPI|lists\.ListsAPI)\.\w+: "
    r"'function' object is not subscriptable$"
)


def _shown(message: str) -> bool:
    """Whether a warning is about something the reference shows as a problem: pdoc also
    checks the annotations of private members (``_name``), which it leaves out."""
    if _SHADOWED_LIST.match(message):
        return False
    found = re.search(r" for ([\w.]+)", message)
    if found is None or not message.startswith("Error parsing type annotation"):
        return True
    last = found[1].rsplit(".", 1)[-1]
    return not (last.startswith("_") and not last.startswith("__"))


def build(output: Path, *, search: bool = True) -> list[str]:
    """Write the reference to *output*; return pdoc's warnings (none means a clean build).
    Without *search* there is no search box (its index takes a fifth of the time)."""
    import pdoc
    import pdoc.render

    # No highlighted source beside each function: a third of the size and of the time.
    pdoc.render.configure(show_source=False, docformat="restructuredtext", search=search)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        names = modules()
        added = _resolve_lazy_names(names)
        try:
            pdoc.pdoc(*_specs(names), output_directory=output)
        finally:  # leave the packages lazy, as a process that goes on (a test run) expects
            for namespace, public in added:
                del namespace[public]
    return [f"{w.category.__name__}: {w.message}" for w in caught if _shown(str(w.message))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("output", type=Path, nargs="?", help="folder for the HTML pages")
    parser.add_argument(
        "--specs", action="store_true", help="print the module names to give pdoc, and stop"
    )
    args = parser.parse_args(argv)
    if args.specs:
        print(*_specs(modules()), sep="\n")
        return 0
    if args.output is None:
        parser.error("give the folder for the HTML pages")
    problems = build(args.output)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
