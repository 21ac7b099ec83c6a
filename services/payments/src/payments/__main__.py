"""`python -m payments ...`: the same as the `payments` command."""

import sys

from payments.cli import main

sys.exit(main())
