"""``python -m restore.degrade``: the simulator's command line (`restore.cli.degrade`)."""

import sys

from restore.cli.degrade import main

sys.exit(main())
