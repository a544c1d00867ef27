"""Serving the stand-in on the stand-ins' keep-alive server (backoffice/stand_in_server.py)."""

from backoffice.stand_in_server import keep_alive_server
from connectors.centra.sandbox.app import CentraApp


def build_server(app: CentraApp, host: str, port: int):
    return keep_alive_server(app, host, port)
