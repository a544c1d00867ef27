"""The built-in stand-in for a Xentral instance: a WSGI app with in-memory state (DESIGN 5)."""
