"""Command line for people who are not writing code (``crmkit`` or ``python -m crmkit``).

``crmkit demo [--db F]``                    the cross-channel story on a SQLite database
``crmkit import FILE.csv --db F``           import contacts, updating known people
``crmkit dedupe --db F [--merge]``          find (and merge) duplicate contacts
``crmkit review --db F [merge|dismiss ID]`` likely duplicates waiting for a person
``crmkit merges --db F``                    the merge ledger
``crmkit unmerge MERGE_ID --db F``          undo a merge
``crmkit lookup --db F --phone P``          who is this, and their last interactions
``crmkit export contacts --db F``           contacts, interactions or ledger: CSV / JSON lines
``crmkit report rfm --db F``                funnel, clv, rfm or forecast: table, CSV or JSON

Bad input never ends in a traceback: the command exits with status 2 and one line per
problem on stderr. See docs/cli.md.
"""

from crmkit.cli._main import main

__all__ = ["main"]
