"""The stand-in's seed: sizes with the Xentral demo SKUs and EANs, two warehouses, a DTC store
with two markets, a wholesale store with its market and an account.

The Xentral sandbox's demo preset (backoffice/xentral/sandbox/presets.py) holds articles
ART-001...ART-200 with EAN `400000` + seven digits of the index; the sizes here carry exactly
those, so an order placed here maps onto Xentral articles. Each article is a one-size product
(CENTRA.md §3: every product has a variant, every variant a size; the full SKU is product +
variant + size SKU, here the product number alone).
"""

from connectors.centra.sandbox.state import CentraState

DEMO_ARTICLES = 200
WAREHOUSES = {1: "Main warehouse", 2: "Store warehouse"}
DTC_STORE = {"id": 1, "name": "Retail", "type": "DIRECT_TO_CONSUMER"}
WHOLESALE_STORE = {"id": 2, "name": "Wholesale", "type": "WHOLESALE"}
# Centra's store logic: "Markets divide your store into logical entities"; each market belongs
# to one store (B2B examples: `markets(where: {storeId: 2}) { id name store { id name } }`).
# The first market of a store is its default ("Fallback to Store's default Market").
DTC_MARKET = {"id": 1, "name": "Retail EU", "storeId": DTC_STORE["id"]}
WHOLESALE_MARKET = {"id": 2, "name": "Wholesale EU", "storeId": WHOLESALE_STORE["id"]}
NORDIC_MARKET = {"id": 3, "name": "Retail Nordics", "storeId": DTC_STORE["id"]}
PRICELIST = {"id": 19, "name": "EUR retail"}
CURRENCIES = {"EUR": 3, "SEK": 1, "USD": 2}
COUNTRIES = {"DE": ("Germany", 6), "SE": ("Sweden", 1)}
DEMO_ADDRESS = {
    "firstName": "Erika",
    "lastName": "Musterfrau",
    "companyName": None,
    "attention": None,
    "address1": "Musterstraße 1",
    "address2": None,
    "city": "Musterstadt",
    "zipCode": "12345",
    "stateOrProvince": None,
    "country": "DE",
    "phoneNumber": "+49 30 1234567",
    "cellPhoneNumber": None,
    "faxNumber": None,
    "vatNumber": None,
}
SHIPPING_OPTION = {"id": 1, "name": "DHL Standard", "uri": "dhl-standard"}
PAYMENT_METHOD = {"uri": "paypal", "plugin": "paypal"}
ACCOUNT = {"id": 1, "name": "Demo wholesale account"}
# A fixed bundle ([ERP] "Bundles"), as the Xentral demo's kit: KIT-001 = ART-001 + 2x ART-002.
# A bundle holds no stock of its own; its items do.
BUNDLE = {"id": DEMO_ARTICLES + 1, "sku": "KIT-001", "name": "Demo kit", "items": [(1, 1), (2, 2)]}


def ean(index: int) -> str:
    return f"400000{index:07d}"


def demo_physical(index: int, warehouse_id: int) -> int:
    """Some stock in both warehouses; none in the store warehouse for every third article."""
    if warehouse_id == 1:
        return 20 + index % 30
    return 0 if index % 3 == 0 else index % 7


def seed(state: CentraState) -> None:
    state.reset()
    for warehouse_id, name in WAREHOUSES.items():
        state.warehouses[warehouse_id] = {
            "id": warehouse_id,
            "name": name,
            "stockMaster": "EXTERNAL",
        }
    for store in (DTC_STORE, WHOLESALE_STORE):
        state.stores[store["id"]] = dict(store)
    for market in (DTC_MARKET, WHOLESALE_MARKET, NORDIC_MARKET):
        state.markets[market["id"]] = dict(market)
    state.pricelists[PRICELIST["id"]] = dict(PRICELIST)
    state.accounts[ACCOUNT["id"]] = dict(ACCOUNT)
    for index in range(1, DEMO_ARTICLES + 1):
        number = f"ART-{index:03d}"
        state.products[index] = {
            "id": index,
            "name": f"Demo article {index:03d}",
            "productNumber": number,
        }
        state.variants[index] = {"id": index, "name": "Default", "productId": index}
        state.sizes[index] = {
            "id": index,
            "SKU": number,
            "EAN": ean(index),
            "UPC": None,
            "sizeNumber": "",
            "description": "One Size",
            "name": "One Size",
            "preorder": False,
            "variantId": index,
            "productId": index,
        }
        for warehouse_id in WAREHOUSES:
            state.physical[(index, warehouse_id)] = demo_physical(index, warehouse_id)
    bundle = BUNDLE["id"]
    state.products[bundle] = {"id": bundle, "name": BUNDLE["name"], "productNumber": BUNDLE["sku"]}
    state.variants[bundle] = {"id": bundle, "name": "Default", "productId": bundle}
    state.sizes[bundle] = {
        "id": bundle,
        "SKU": BUNDLE["sku"],
        "EAN": None,
        "UPC": None,
        "sizeNumber": "",
        "description": "One Size",
        "name": "One Size",
        "preorder": False,
        "variantId": bundle,
        "productId": bundle,
        "bundleItems": list(BUNDLE["items"]),
    }
