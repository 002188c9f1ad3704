"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import sys

from dotenv import load_dotenv

from project import create_app
from project.config import ConfigError
from project.plugins import PluginError

load_dotenv()

try:
    app = create_app()
except (ConfigError, PluginError) as error:
    sys.exit(f"postwell: configuration error: {error}")
