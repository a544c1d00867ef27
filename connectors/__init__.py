"""Channel connectors: one package per commerce platform, each translating its platform's
orders, shipments and stock into the hub's unified order and back (`connectors.centra` first;
a web shop connector would sit beside it). The top layer: connectors import the apps, never
the reverse; they register for order lifecycle changes through the app hooks."""
