"""``python -m lemnicore``: the same command line as the ``lemnicore`` script (G3)."""

from lemnicore.cli import main

raise SystemExit(main())
