"""``python -m restore.degrade``: the simulator's command line (`restore.degrade_cli`)."""

import sys

from restore.degrade_cli import main

sys.exit(main())
