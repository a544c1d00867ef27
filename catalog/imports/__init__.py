"""Catalog imports: a file becomes a dry run, then is applied to Xentral in resumable chunks."""
