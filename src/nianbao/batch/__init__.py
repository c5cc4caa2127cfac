"""Every agency × year in one command: plan, run in parallel (local processes or Dask), record.

The modules, in the order a build uses them: ``params`` (batch files under ``params/``),
``scan`` (a fast read of the data directory and per-run data fingerprints), ``sources``
(hashes of the notebook, package and template), ``plan`` (runs expanded and checked),
``manifest`` (what was built from which inputs), ``executors`` (local pool or Dask),
``worker`` and ``kernels`` (what runs on a worker), ``outputs`` (validation files and the
index page) and ``runner`` (the whole build).
"""
