import sys

from wsaudit.cli import main

sys.exit(main())
