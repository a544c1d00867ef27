"""The hub's own order errors: entries stored on an order, and failures of its data."""


def order_error(field: str, code: str, message: str) -> dict:
    return {"field": field, "code": code, "message": message}


class OrderBusinessError(Exception):
    """The order's data cannot become a Xentral order: fails at once with these errors."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors
