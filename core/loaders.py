"""Request-scoped batch loaders, one named class per relation (as Saleor does): a resolver asks
``RenewalLines.of(ctx).load(renewal_id)`` and every such call of one request shares a single query.

A loader subclass says what it batches in :meth:`Loader.batch_load` (not ``batch``: strawberry's
DataLoader keeps its pending batch under that name); :meth:`Loader.of` creates it on first
use in a request and keeps it on the context, so a page of 10 and of 100 cost the same statements."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from strawberry.dataloader import DataLoader

if TYPE_CHECKING:
    from core.context import Context

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Loader(DataLoader[K, V], Generic[K, V]):
    """Base class: implement ``batch_load(keys)`` returning one value per key, in the keys' order."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(load_fn=self.batch_load)
        self.ctx = ctx

    @classmethod
    def of(cls, ctx: Context) -> Self:
        """This request's instance (the context keeps one per class)."""
        found = ctx._loaders.get(cls)
        if found is None:
            found = ctx._loaders[cls] = cls(ctx)
        return found  # type: ignore[return-value]

    async def batch_load(self, keys: Sequence[K]) -> Sequence[V]:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.batch_load")


def by_key(rows: Sequence[Any], keys: Sequence[K], key_of: Any) -> list[Any]:
    """``rows`` in ``keys``' order (None for a key without a row)."""
    found = {key_of(r): r for r in rows}
    return [found.get(k) for k in keys]


def grouped(rows: Sequence[Any], keys: Sequence[K], key_of: Any) -> list[list[Any]]:
    """``rows`` grouped per key, in ``keys``' order (an empty list for a key without rows)."""
    out: dict[K, list[Any]] = {k: [] for k in keys}
    for r in rows:
        out.setdefault(key_of(r), []).append(r)
    return [out[k] for k in keys]
