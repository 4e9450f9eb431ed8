"""``python -m crmkit.cli``: the same as ``python -m crmkit``."""

from crmkit.cli._main import main

raise SystemExit(main())
