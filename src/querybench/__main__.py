"""``python -m querybench`` runs the command line."""

import sys

from querybench.cli import main

sys.exit(main())
