"""``python -m wsaudit``."""

import sys

from wsaudit.cli import main

if __name__ == "__main__":
    sys.exit(main())
