"""What a county bureau runs the screener with: accounts and roles, saved screenings.

DESIGN.md "Who may do what" and "Time: versions in force, as-of screening, audit trail".

| module | offers |
|---|---|
| ``settings`` | ``BureauSettings.from_env()``: the data folder, the database, session and sign-in limits, open screening |
| ``db`` | ``Database``: the same tables in SQLite (the user's data folder) or PostgreSQL |
| ``accounts`` | ``Accounts``: accounts with roles, argon2 password hashes, sessions that expire, sign-in rate limits |
| ``archive`` | ``Archive``: saved screenings by their report number; find, re-screen, what a new layer version changes |
| ``changes`` | ``compare_results``: what changed between a saved result and a new one |

Nothing here imports streamlit: the app (``ui/``), the CLI (``python -m zoning users``,
``history``) and the HTTP API use the same objects.
"""

from __future__ import annotations
