"""URL pieces the apps' API routes share."""

# A strict UUID: any other id does not match the route and is a 404, never a lookup the
# database refuses with a crash.
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
