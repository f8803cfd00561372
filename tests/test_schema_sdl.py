"""The committed SDL (schema/schema.graphql) is the schema core + built-in plugins build (issue 2)."""

from __future__ import annotations

from core.app import create_state
from core.cli import SDL_PATH, full_sdl
from core.settings import Settings


def test_committed_sdl_is_up_to_date(tmp_path):
    state = create_state(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'sdl.db'}"))
    current = full_sdl(state)
    assert SDL_PATH.read_text() == current, (
        "schema/schema.graphql is out of date: run `.venv/bin/customer-center schema export` and commit it"
    )
