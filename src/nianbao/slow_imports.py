"""Third-party imports that cost seconds and that nothing here needs, kept from happening.

Only the suite's own processes call this (the command line, batch workers, the export of a
run): it changes what a later import of jsonschema does in the whole process.
"""

from __future__ import annotations

import sys


def skip_slow_optional_imports() -> None:
    """Keep jsonschema (imported by nbformat) from importing ``rfc3987_syntax``, which builds a
    parser at import time (about a second of CPU). jsonschema only uses it to check the ``iri``
    string format, which notebook validation never asks for; without it jsonschema skips that
    format. Call before jsonschema is first imported.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
