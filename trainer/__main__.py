"""``python -m trainer`` runs the same entry point as the ``cvi-trainer`` command."""

import sys

from trainer.cli import main

sys.exit(main())
