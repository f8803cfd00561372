"""Performance benchmark of Customer Center Graph (issue 8): ``python -m bench.run`` (``make bench``).

Generates a dataset on a throw-away PostgreSQL, serves the product with ``uvicorn core.asgi:app
--workers 2`` and a hand-written Starlette + asyncpg baseline side by side, drives both over HTTP
with concurrent clients and prints/writes the figures (see docs/performance.md).
"""
