"""A local, DokStamp-compatible API server over SQLite, with deterministic demo data.

Start one with `dokstamp_sandbox.runner.start_sandbox` (tests, notebooks, the app) or the
`enrollment-outcomes sandbox` command. Every choice the DokStamp docs leave open (PUT semantics,
409 for protected deletes, missing X-Tenant -> 401, unknown filters ignored, page cap, ...) is
listed with its reason in `DECISIONS.md` next to this file.

A package of its own: it imports nothing of ``dashboard`` (the data contract it serves is its
own), and the dashboard reaches it only through the demo source (``dashboard.sources``) and the
`sandbox` command (tests/test_import_boundaries.py checks both).
"""
