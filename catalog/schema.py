"""OpenAPI rules of the catalog API that its views check themselves."""


def catalog_request_rules(result, generator, request, public):
    """Postprocessing hook: a JSON catalog has at least one row (an empty one is a 400)."""
    schemas = result.get("components", {}).get("schemas", {})
    if "CatalogJsonRequest" in schemas:
        schemas["CatalogJsonRequest"]["properties"]["rows"]["minItems"] = 1
    return result
