"""`python -m xswitch` runs the command line."""

from xswitch.cli import main

raise SystemExit(main())
