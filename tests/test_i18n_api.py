"""A person's language through the graph (issue 17): imported, chosen, defaulted from the tenant,
asked for by Accept-Language; error messages in it, codes and machine fields not."""

from __future__ import annotations

import copy
from typing import Any

from core.i18n import translate
from core.rls import EVERY_TENANT  # the test's own inspection: every tenant (core/rls.py)
from tests.conftest import ACME, Api

VIEWER = "{ viewer { email locale textDirection } }"
SET = "mutation($l: String!) { setMyLocale(locale: $l) { locale textDirection } }"


def _tenants(**changes: Any) -> dict[str, Any]:
    acme = copy.deepcopy(ACME)
    acme.update(changes.pop("tenant", {}))
    for person in acme["people"]:
        person.update(changes.get(person["email"], {}))
    return {"tenants": [acme]}


async def _post(api: Api, query: str, variables: dict | None = None, *, as_: str | None, lang: str) -> dict:
    headers = {**api.headers(as_), "Accept-Language": lang}
    resp = await api.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    return resp.json()


async def test_a_person_reads_in_their_imported_locale_else_the_tenants(api: Api) -> None:
    await api.load(_tenants(tenant={"locale": "ro"}, **{"fin@acme.com": {"locale": "pl-PL"}}))
    assert (await api.ok(VIEWER, as_="fin@acme.com"))["viewer"]["locale"] == "pl"
    assert (await api.ok(VIEWER, as_="tech@acme.com"))["viewer"]["locale"] == "ro"
    tenant = await api.ok("{ viewer { tenant { defaultLocale } } }", as_="tech@acme.com")
    assert tenant["viewer"]["tenant"]["defaultLocale"] == "ro"


async def test_an_unknown_imported_locale_is_refused_by_name(api: Api) -> None:
    from core.errors import BadUserInput
    from core.importer import import_data

    async with api.state.sessionmaker(info=EVERY_TENANT) as session:
        try:
            await import_data(session, _tenants(**{"fin@acme.com": {"locale": "fr"}}), api.state)
        except BadUserInput as exc:
            assert "tenants[0].people[0].locale" in str(exc.extensions) + exc.message
            assert "en, pl, ro, de, ar" in str(exc.extensions) + exc.message
        else:
            raise AssertionError("an unsupported locale was imported")


async def test_a_person_switches_language(api: Api) -> None:
    await api.load(_tenants())
    assert (await api.ok(SET, {"l": "ar"}, as_="fin@acme.com"))["setMyLocale"] == {
        "locale": "ar",
        "textDirection": "rtl",
    }
    assert (await api.ok(VIEWER, as_="fin@acme.com"))["viewer"]["locale"] == "ar"
    # the direction is an enum whose values are HTML's own spelling (a client sets dir= with it)
    direction = await api.ok('{ __type(name: "TextDirection") { kind enumValues { name } } }', as_="fin@acme.com")
    assert direction["__type"] == {"kind": "ENUM", "enumValues": [{"name": "ltr"}, {"name": "rtl"}]}
    # Their choice wins over what the client asks for.
    body = await _post(api, VIEWER, as_="fin@acme.com", lang="de")
    assert body["data"]["viewer"]["locale"] == "ar"
    # Nobody else's changed.
    assert (await api.ok(VIEWER, as_="tech@acme.com"))["viewer"]["locale"] == "en"


async def test_an_unknown_language_is_bad_input_listing_the_languages_in_the_callers_language(api: Api) -> None:
    await api.load(_tenants(**{"fin@acme.com": {"locale": "de"}}))
    error = await api.error(SET, {"l": "fr"}, as_="fin@acme.com")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "locale"
    assert error["extensions"]["allowed"] == ["en", "pl", "ro", "de", "ar"]
    assert error["message"] == translate(
        "de", "Unknown language '{locale}': choose one of {allowed}", locale="fr", allowed="en, pl, ro, de, ar"
    )
    assert error["message"].startswith("Unbekannte Sprache")
    assert (await api.ok(VIEWER, as_="fin@acme.com"))["viewer"]["locale"] == "de"


async def test_staff_have_no_language_to_store(api: Api) -> None:
    await api.load(_tenants())
    error = await api.error(SET, {"l": "pl"}, as_="ops@vendor.example", staff=["OPERATOR"], tenant="acme")
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_accept_language_for_anonymous_and_first_requests(api: Api) -> None:
    await api.load(_tenants(tenant={"locale": "ro"}))
    anonymous = await _post(api, VIEWER, as_=None, lang="pl-PL,pl;q=0.9,en;q=0.5")
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert anonymous["errors"][0]["message"] == translate("pl", "Missing bearer token")
    # A person who never chose: their first request's language becomes theirs.
    first = await _post(api, VIEWER, as_="tech@acme.com", lang="de-AT")
    assert first["data"]["viewer"]["locale"] == "de"
    assert (await api.ok(VIEWER, as_="tech@acme.com"))["viewer"]["locale"] == "de"
    # No header: the tenant's default.
    assert (await api.ok(VIEWER, as_="exec@acme.com"))["viewer"]["locale"] == "ro"


async def test_parse_and_validation_errors_keep_their_codes_in_every_language(api: Api) -> None:
    """graphql-core writes its syntax and validation messages in English; a client reading another
    language translates them by ``extensions.code``, which is the same whatever the language."""
    await api.load(_tenants(**{"fin@acme.com": {"locale": "ar"}}))
    paged = "query($n: Int) { viewer { messages(first: $n) { totalCount } } }"
    cases = [
        ("{ viewer { ", None, "GRAPHQL_PARSE_FAILED"),
        ("{ viewer { noSuchField } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ('{ can(object: "invoice") }', None, "GRAPHQL_VALIDATION_FAILED"),  # a required argument missing
        (paged, {"n": "ten"}, "BAD_USER_INPUT"),  # a variable's value of the wrong type: the caller's input
    ]
    for query, variables, code in cases:
        messages = set()
        for who, lang in (("tech@acme.com", "en"), ("tech@acme.com", "pl-PL,pl;q=0.9"), ("fin@acme.com", "de")):
            body = await _post(api, query, variables, as_=who, lang=lang)
            assert body.get("data") is None and len(body["errors"]) == 1, body
            err = body["errors"][0]
            assert err["extensions"]["code"] == code, (query, lang, err)
            assert "Traceback" not in err["message"] and err["message"]
            messages.add(err["message"])
        assert len(messages) == 1, messages  # the message itself is graphql-core's, unchanged
