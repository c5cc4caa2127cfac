"""The ``audit`` command: read published reports, check them, show a reviewer the findings."""
