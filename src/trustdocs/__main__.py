"""`python -m trustdocs`."""

import sys

from trustdocs.cli import main

sys.exit(main())
