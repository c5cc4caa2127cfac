#!/usr/bin/env python3
"""Build the annual reports: `python build.py --help` lists the commands."""

import sys

from nianbao.cli import main

if __name__ == "__main__":
    sys.exit(main())
