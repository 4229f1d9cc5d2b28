"""A local, DokStamp-compatible API server over SQLite, with deterministic demo data.

Start one with `dashboard.sandbox.runner.start_sandbox` (tests, notebooks, the app) or the
`enrollment-outcomes sandbox` command. Every choice the DokStamp docs leave open (PUT semantics,
409 for protected deletes, missing X-Tenant -> 401, unknown filters ignored, page cap, ...) is
listed with its reason in `DECISIONS.md` next to this file. The client never imports this package.
"""
