"""Private output types of the suite's notebooks (no imports: every layer may read them)."""

#: The report's own HTML, as the export template styles it. A display output carries it beside
#: a ``text/html`` copy with inline styles for notebook front ends; the exporter prints this one.
PRINT_HTML = "application/vnd.nianbao.print+html"
