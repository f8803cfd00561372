"""Automatic persisted queries (Apollo's protocol, version 1) and queries over GET.

A client sends ``extensions: {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}`` without the
query; an unknown hash answers the error ``PERSISTED_QUERY_NOT_FOUND`` (message
``PersistedQueryNotFound``) and the client sends the query with the hash once, which registers it.
A query whose SHA-256 is not the hash it came with is refused (BAD_USER_INPUT, reason
``PERSISTED_QUERY_HASH_MISMATCH``). With the hash alone a portal's fixed queries are short GET URLs
(``/graphql?extensions=…&variables=…``) that HTTP caches can keep; mutations never run over GET.

The store is the ``persisted_queries`` table, shared by every server process, in front of which
each process keeps a bounded LRU (:data:`LRU_SIZE`). A document is registered only for an
authenticated caller and only once it parsed within the limits (core/limits.py), so strangers
cannot fill the table; at most ``Settings.persisted_queries_max`` are kept, the oldest dropped first.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import OrderedDict
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from core.errors import AppError, BadUserInput
from core.i18n import _
from core.models import PersistedQuery

log = logging.getLogger("customer_center.persisted")
LRU_SIZE = 1000
_LRU_KEY = "persisted_queries_lru"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class PersistedQueryNotFound(AppError):
    code = "PERSISTED_QUERY_NOT_FOUND"


def sha256_of(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def requested_hash(extensions: Any) -> str | None:
    """The hash a request names (lower-case hex), None when it names none; BAD_USER_INPUT if malformed."""
    if extensions is None:
        return None
    if not isinstance(extensions, dict):
        raise BadUserInput(_("'extensions' must be an object"), field="extensions")
    persisted = extensions.get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise BadUserInput(
            _("Unsupported persisted query version (1 is supported)"),
            reason="PERSISTED_QUERY_VERSION",
            field="extensions.persistedQuery.version",
        )
    sha = persisted.get("sha256Hash")
    if not isinstance(sha, str) or not _HEX64.match(sha.lower()):
        raise BadUserInput(_("sha256Hash must be 64 hexadecimal digits"), field="extensions.persistedQuery.sha256Hash")
    return sha.lower()


def _lru(state: Any) -> OrderedDict[str, str]:
    return state.extra.setdefault(_LRU_KEY, OrderedDict())


def _keep(state: Any, sha: str, query: str) -> None:
    lru = _lru(state)
    lru[sha] = query
    lru.move_to_end(sha)
    while len(lru) > LRU_SIZE:
        lru.popitem(last=False)


async def resolve(state: Any, query: str | None, sha: str | None) -> tuple[str, bool]:
    """The document to run and whether it is to be registered: (query, True) for a query sent with
    its hash, the stored one for a hash alone; refuses a mismatch and an unknown hash."""
    if sha is None:
        if query is None:
            raise BadUserInput(_("Expected a 'query' string"), field="query")
        return query, False
    if query is not None:
        if sha256_of(query) != sha:
            raise BadUserInput(
                _("provided sha does not match query"),
                reason="PERSISTED_QUERY_HASH_MISMATCH",
                field="extensions.persistedQuery.sha256Hash",
            )
        return query, sha not in _lru(state)
    lru = _lru(state)
    if sha in lru:
        lru.move_to_end(sha)
        return lru[sha], False
    async with state.sessionmaker() as session:
        stored = (await session.execute(select(PersistedQuery.query).where(PersistedQuery.sha256 == sha))).scalar()
    if stored is None:
        raise PersistedQueryNotFound("PersistedQueryNotFound")
    _keep(state, sha, stored)
    return stored, False


async def register(state: Any, sha: str, query: str) -> None:
    """Store ``query`` under ``sha`` for every process (idempotent), keeping at most the configured number."""
    _keep(state, sha, query)
    try:
        async with state.sessionmaker() as session, session.begin():
            if await session.get(PersistedQuery, sha) is not None:
                return
            session.add(PersistedQuery(sha256=sha, query=query, created_at=state.clock.now()))
            await session.flush()
            total = (await session.execute(select(func.count()).select_from(PersistedQuery))).scalar_one()
            excess = total - state.settings.persisted_queries_max
            if excess > 0:
                oldest = select(PersistedQuery.sha256).order_by(PersistedQuery.created_at).limit(excess)
                await session.execute(delete(PersistedQuery).where(PersistedQuery.sha256.in_(oldest.scalar_subquery())))
    except IntegrityError:  # another process registered it first
        pass
    except Exception:  # the answer was given already; a client re-sends the query when it is missing
        log.exception("persisted query not stored")
