"""``python -m querybench`` runs the command line."""

import sys

from querybench.console import main

sys.exit(main())
