"""`python -m helpers <command>`: see helpers.cli."""

from helpers.cli import main

raise SystemExit(main())
