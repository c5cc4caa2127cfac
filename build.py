#!/usr/bin/env python3
"""The ``nianbao`` command without installing it: ``python build.py --help`` lists the commands."""

from nianbao.cli import run

if __name__ == "__main__":
    run()
