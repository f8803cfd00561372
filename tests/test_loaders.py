"""core.loaders.Loader: one instance per request and class, one batch per tick, values in key order."""

from __future__ import annotations

import asyncio

from core.loaders import Loader, by_key, grouped


class _Ctx:
    def __init__(self) -> None:
        self._loaders: dict = {}


class Doubles(Loader[int, int]):
    calls: list[list[int]] = []

    async def batch_load(self, keys):
        Doubles.calls.append(list(keys))
        return [k * 2 for k in keys]


async def test_one_batch_per_request_and_class():
    Doubles.calls = []
    ctx = _Ctx()
    assert await asyncio.gather(Doubles.of(ctx).load(1), Doubles.of(ctx).load(2), Doubles.of(ctx).load(1)) == [2, 4, 2]
    assert Doubles.calls == [[1, 2]] and Doubles.of(ctx) is Doubles.of(ctx)
    assert Doubles.of(_Ctx()) is not Doubles.of(ctx)  # another request, another instance


def test_by_key_and_grouped_keep_the_keys_order():
    rows = [(2, "b"), (1, "a"), (2, "c")]
    assert by_key(rows, [1, 3], lambda r: r[0]) == [(1, "a"), None]
    assert grouped(rows, [2, 3, 1], lambda r: r[0]) == [[(2, "b"), (2, "c")], [], [(1, "a")]]
