"""`python -m trustdocs`."""

import sys

from trustdocs.launch import main

sys.exit(main())
