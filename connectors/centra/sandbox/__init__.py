"""A local Centra for tests, benchmarks and the demo: the GraphQL Integration API as Centra
documents it (every type and field cites its documentation page or is marked uncertain), signed
order webhooks, request and mutation buckets, and a control API. Product code never imports it."""
