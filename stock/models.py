"""Models of the stock app."""
