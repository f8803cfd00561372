"""ASGI entry point for uvicorn (``core.asgi:app``), configured from the environment."""

from core.app import create_app
from core.logs import configure_logging
from core.settings import get_settings

configure_logging(get_settings().log_level)
app = create_app()
