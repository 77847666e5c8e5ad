"""``python -m neurograph``: the command line (see neurograph.cli)."""

from .cli import main

raise SystemExit(main())
