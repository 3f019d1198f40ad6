"""``python -m restore``: the command line (`restore.cli.command`)."""

import sys

from restore.cli.command import main

sys.exit(main())
