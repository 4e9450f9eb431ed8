"""``python -m crmkit``: see :mod:`crmkit.cli`."""

from crmkit.cli import main

raise SystemExit(main())
