"""The floor plan holds: the import-linter layers, and the light rooms stay light.

The batch planner, the run targets and the command line start for every build; importing them
must not load the plotting library, the Markdown parser or pandas (seconds of start-up on a
loaded machine, paid once per build and once per worker). Each check runs in a fresh
interpreter, since this test process has long imported everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("matplotlib", "mistune", "pandas")
LIGHT = ("nianbao.batch.runner", "nianbao.batch.plan", "nianbao.batch.scan",
         "nianbao.data.fingerprint", "nianbao.run.targets", "nianbao.export", "nianbao.cli")


def test_import_layers_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize("module", LIGHT)
def test_light_modules_do_not_import_heavy_libraries(module):
    code = (f"import json, sys, {module}; "
            f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [], f"importing {module} loads {done.stdout.strip()}"


def test_the_import_check_notices_a_heavy_import():
    # the same probe on a module known to need pandas: the check can fail
    code = (f"import json, sys, nianbao.data.dataset; "
            f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert "pandas" in json.loads(done.stdout)
