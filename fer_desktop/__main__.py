"""`python -m fer_desktop` is the `fer-desktop` command."""

from fer_desktop.cli import main

raise SystemExit(main())
