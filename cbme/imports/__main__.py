import sys

from cbme.imports.cli import main

sys.exit(main())
