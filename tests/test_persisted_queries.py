"""Automatic persisted queries (Apollo protocol v1) and queries over GET (issue 18, core/persisted.py):
an unknown hash gets PERSISTED_QUERY_NOT_FOUND, the query sent with its hash registers it for every
process (the persisted_queries table), a hash that does not match is refused, and mutations never
run over GET."""

from __future__ import annotations

import hashlib
import json

from core import persisted

VIEWER = "query Me { viewer { email } }"
SHA = hashlib.sha256(VIEWER.encode()).hexdigest()
TECH = {"as_": "tech@acme.com"}


def ext(sha: str = SHA, version: int = 1) -> dict:
    return {"persistedQuery": {"version": version, "sha256Hash": sha}}


async def post(api, body: dict, **who):
    resp = await api.client.post("/graphql", json=body, headers=api.headers(who.get("as_")))
    return resp.status_code, resp.json()


async def get(api, params: dict, as_: str | None = "tech@acme.com"):
    encoded = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
    return await api.client.get("/graphql", params=encoded, headers=api.headers(as_))


async def test_apq_round_trip_over_post_and_get(two_tenants):
    api = two_tenants
    status, body = await post(api, {"extensions": ext()}, **TECH)
    assert status == 200 and body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert body["errors"][0]["message"] == "PersistedQueryNotFound"
    status, body = await post(api, {"query": VIEWER, "extensions": ext()}, **TECH)
    assert status == 200 and body["data"]["viewer"]["email"] == "tech@acme.com"
    assert await api.sql("select sha256 from persisted_queries") == [(SHA,)]
    # the hash alone now runs, over POST and over GET (a short, cacheable URL)
    status, body = await post(api, {"extensions": ext()}, as_="fin@acme.com")
    assert body["data"]["viewer"]["email"] == "fin@acme.com"
    resp = await get(api, {"extensions": ext()})
    assert resp.status_code == 200 and resp.json()["data"]["viewer"]["email"] == "tech@acme.com"
    assert resp.headers["cache-control"] == "private" and "Authorization" in resp.headers["vary"]
    # another process (an empty LRU) finds it in the table; an upper-case hash is the same hash
    api.state.extra.pop(persisted._LRU_KEY)
    resp = await get(api, {"extensions": ext(SHA.upper())}, as_="fin@globex.com")
    assert resp.json()["data"]["viewer"]["email"] == "fin@globex.com"


async def test_apq_refusals(two_tenants):
    api = two_tenants
    other = hashlib.sha256(b"{ viewer { roles } }").hexdigest()
    status, body = await post(api, {"query": VIEWER, "extensions": ext(other)}, **TECH)
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["reason"] == "PERSISTED_QUERY_HASH_MISMATCH"
    for bad in (ext("xyz"), ext(SHA, version=2), {"persistedQuery": "yes"}, "not-an-object"):
        status, body = await post(api, {"query": VIEWER, "extensions": bad}, **TECH)
        assert status == 400 and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", bad
    assert await api.sql("select count(*) from persisted_queries") == [(0,)]
    # strangers cannot fill the store: a registration without a valid token keeps nothing
    status, body = await post(api, {"query": VIEWER, "extensions": ext()})
    assert status == 401
    # nor can a document refused by the limits be registered
    deep = "query { " + "viewer { tenant { " * 20 + "key" + " } }" * 20 + " }"
    deep_sha = hashlib.sha256(deep.encode()).hexdigest()
    status, body = await post(api, {"query": deep, "extensions": ext(deep_sha)}, **TECH)
    assert body.get("errors")
    assert await api.sql("select count(*) from persisted_queries") == [(0,)]


async def test_get_runs_queries_never_mutations(two_tenants):
    api = two_tenants
    resp = await get(api, {"query": "{ viewer { email } }"})
    assert resp.status_code == 200 and resp.json()["data"]["viewer"]["email"] == "tech@acme.com"
    resp = await get(
        api,
        {"query": "query($n: Int) { viewer { email } users(first: $n) { totalCount } }", "variables": {"n": 1}},
        as_="admin@acme.com",
    )
    assert resp.json()["data"]["users"]["totalCount"] == 5
    mutation = 'mutation { inviteUser(input: {email: "new@acme.com"}) { email } }'
    resp = await get(api, {"query": mutation}, as_="admin@acme.com")
    assert resp.status_code == 405 and resp.headers["allow"] == "POST"
    assert resp.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await api.sql("select count(*) from people where email = 'new@acme.com'") == [(0,)]
    # a registered mutation's hash over GET is refused the same way
    sha = hashlib.sha256(mutation.encode()).hexdigest()
    body = {"query": mutation, "extensions": ext(sha)}
    resp = await api.client.post("/graphql", json=body, headers=api.headers("admin@acme.com"))
    assert resp.json()["data"]["inviteUser"]["email"] == "new@acme.com"
    resp = await get(api, {"extensions": ext(sha)}, as_="admin@acme.com")
    assert resp.status_code == 405
    # malformed GET parameters
    for params in ({"query": "{ viewer { email } }", "variables": "{not json"}, {"extensions": "[1"}):
        resp = await api.client.get("/graphql", params=params, headers=api.headers("tech@acme.com"))
        assert resp.status_code == 400 and resp.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    resp = await api.client.get("/graphql?query=%7Bviewer%7Bemail%7D%7D&query=x", headers=api.headers("tech@acme.com"))
    assert resp.status_code == 400


async def test_store_is_bounded(templates, smtp_server):
    from tests.conftest import ACME, make_api

    api, client = await make_api("sqlite", templates, smtp_server[0].port, persisted_queries_max=3)
    try:
        await api.load({"tenants": [ACME]})
        for i in range(5):
            query = f"query Q{i} {{ viewer {{ email }} }}"
            sha = hashlib.sha256(query.encode()).hexdigest()
            status, body = await post(api, {"query": query, "extensions": ext(sha)}, **TECH)
            assert body["data"]["viewer"]["email"] == "tech@acme.com"
            api.clock.advance(seconds=1)
        assert (await api.sql("select count(*) from persisted_queries"))[0][0] == 3
    finally:
        await client.aclose()
        await api.state.engine.dispose()
