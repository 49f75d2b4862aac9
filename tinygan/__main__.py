"""``python -m tinygan``: the command line of tinygan.cli."""
from .cli import main

raise SystemExit(main())
