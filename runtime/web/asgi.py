"""ASGI entry point for uvicorn: settings come from the environment."""
from .app import create_app

app = create_app()
