#!/usr/bin/env python3
"""The ``nianbao`` command without installing it: ``python build.py --help`` lists the commands."""

import sys

from nianbao.cli import main

if __name__ == "__main__":
    sys.exit(main())
