"""`python -m promocore.cli`: the `promocore` command."""

import sys

from promocore.cli.main import main

sys.exit(main())
