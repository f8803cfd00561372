"""core/secret.py: arguments and input fields marked ``@secret`` in the schema are redacted from
what the audit keeps, however the client sends them (security review: secrets in the audit log)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import parse

from core.secret import REDACTED, is_secret, redact_operation, secret_argument, secret_field


@strawberry.input
class Login:
    user: str
    password: str = secret_field()
    remember: bool = False


@strawberry.input
class Batch:
    logins: list[Login]
    note: str = ""


@strawberry.type
class Session:
    user: str

    @strawberry.field
    def greeting(self, pin: Annotated[str, secret_argument()] = "", lang: str = "en") -> str:
        return lang


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Mutation:
    @strawberry.mutation
    def sign_in(self, input: Login) -> Session:
        return Session(user=input.user)

    @strawberry.mutation
    def sign_in_many(self, input: Batch) -> list[Session]:
        return [Session(user=x.user) for x in input.logins]

    @strawberry.mutation
    def unlock(self, user: str, code: Annotated[str, secret_argument(description="One-time code")]) -> Session:
        return Session(user=user)


SCHEMA = strawberry.Schema(query=Query, mutation=Mutation)
GQL = SCHEMA._schema


def redact(query: str, variables: dict | None = None, operation: str | None = None):
    return redact_operation(GQL, parse(query), operation, variables)


def test_marks_are_in_the_schema_and_its_sdl():
    assert is_secret(GQL.type_map["Login"].fields["password"])
    assert not is_secret(GQL.type_map["Login"].fields["user"])
    assert is_secret(GQL.mutation_type.fields["unlock"].args["code"])
    assert not is_secret(GQL.mutation_type.fields["unlock"].args["user"])
    sdl = SCHEMA.as_str()
    assert "directive @secret on ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION" in sdl
    assert "password: String! @secret" in sdl and "code: String! @secret" in sdl


def test_variables_are_redacted_by_the_position_they_are_used_in():
    out = redact(
        "mutation($i: Login!, $u: String!, $c: String!) "
        "{ signIn(input: $i) { user } unlock(user: $u, code: $c) { user } }",
        {"i": {"user": "ann", "password": "hunter2", "remember": True}, "u": "ann", "c": "123456"},
    )
    assert out.variables == {"i": {"user": "ann", "password": REDACTED, "remember": True}, "u": "ann", "c": REDACTED}
    assert out.arguments == {"signIn": {"input": "$i"}, "unlock": {"user": "$u", "code": "$c"}}


def test_inline_literals_are_redacted_too():
    """The client may write the secret into the document instead of a variable."""
    out = redact(
        'mutation { a: signIn(input: {user: "ann", password: "hunter2"}) { user greeting(pin: "9999", lang: "pl") }'
        ' b: unlock(user: "bob", code: "123456") { user } }'
    )
    assert out.arguments == {
        "a": {"input": {"user": "ann", "password": REDACTED}},  # aliases keep the response key
        "b": {"user": "bob", "code": REDACTED},
    }
    assert "hunter2" not in repr(out) and "123456" not in repr(out)


def test_lists_nested_inputs_and_variables_inside_literals():
    out = redact(
        'mutation($p: String!, $l: Login!) { signInMany(input: {logins: [{user: "a", password: $p}, $l], note: "n"})'
        " { user } }",
        {"p": "s3cret", "l": {"user": "b", "password": "other"}},
    )
    assert out.variables == {"p": REDACTED, "l": {"user": "b", "password": REDACTED}}
    assert out.arguments["signInMany"] == {"input": {"logins": [{"user": "a", "password": "$p"}, "$l"], "note": "n"}}
    batch = redact(
        "mutation($b: Batch!) { signInMany(input: $b) { user } }",
        {"b": {"logins": [{"user": "a", "password": "x1"}, {"user": "b", "password": "x2"}]}},
    )
    assert batch.variables["b"]["logins"] == [{"user": "a", "password": REDACTED}, {"user": "b", "password": REDACTED}]
    # a variable used inside a redacted literal position is secret wherever else it appears
    both = redact("mutation($x: String!) { unlock(user: $x, code: $x) { user } }", {"x": "123456"})
    assert both.variables == {"x": REDACTED}


def test_fragments_and_nested_field_arguments():
    out = redact(
        'mutation($pin: String!) { ...F } fragment F on Mutation { signIn(input: {user: "a", password: "p"}) '
        "{ ...G } } fragment G on Session { greeting(pin: $pin) }",
        {"pin": "9999"},
    )
    assert out.variables == {"pin": REDACTED}
    assert out.arguments == {"signIn": {"input": {"user": "a", "password": REDACTED}}}


def test_what_the_schema_does_not_know_is_redacted():
    """Fail closed: unknown arguments and input fields, unused or undeclared variables, an operation
    that cannot be selected, or no document at all."""
    out = redact(
        'mutation($c: String!, $unused: String) { unlock(user: "a", code: $c, extra: "x") { user } '
        'signIn(input: {user: "a", pasword: "typo"}) { user } nope(arg: "y") }',
        {"c": "1", "unused": "2", "undeclared": "3"},
    )
    assert out.arguments["unlock"] == {"user": "a", "code": "$c", "extra": REDACTED}
    assert out.arguments["signIn"] == {"input": {"user": "a", "pasword": REDACTED}}
    assert out.arguments["nope"] == {"arg": REDACTED}
    assert out.variables == {"c": REDACTED, "unused": REDACTED, "undeclared": REDACTED}
    typo = redact("mutation($i: Login!) { signIn(input: $i) { user } }", {"i": {"user": "a", "passwrd": "x"}})
    assert typo.variables == {"i": {"user": "a", "passwrd": REDACTED}}
    wrong_shape = redact("mutation($i: Login!) { signIn(input: $i) { user } }", {"i": "hunter2"})
    assert wrong_shape.variables == {"i": REDACTED}
    two = 'mutation A { unlock(user: "a", code: "1") { user } } mutation B { unlock(user: "b", code: "2") { user } }'
    assert redact(two, {"v": "x"}).variables == {"v": REDACTED}  # no operation name: nothing to read
    assert redact(two, None, "B").arguments == {"unlock": {"user": "b", "code": REDACTED}}
    assert redact_operation(GQL, None, None, {"v": "x"}).variables == {"v": REDACTED}
