"""Centra as a sales channel: orders in through the unified order pipeline, confirmation and
shipments back, stock out (GraphQL Integration API and Centra's signed webhooks)."""
