"""Collection settings for the whole tree (``--doctest-modules`` imports every module)."""

from pathlib import Path

# The old paths of moved modules warn when imported, and the suite turns warnings into
# errors; they are tested on purpose in tests/core/test_moved_paths.py instead.
collect_ignore = [
    str(path)
    for path in (Path(__file__).parent / "src" / "crmkit").glob("*.py")
    if "alias_moved_module(__name__" in path.read_text(encoding="utf-8")
]
