"""ASGI entry point for uvicorn (``core.asgi:app``), configured from the environment."""

from core.app import create_app

app = create_app()
