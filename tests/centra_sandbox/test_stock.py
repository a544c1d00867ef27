"""setStock over real HTTP: physical stock per warehouse and size, by SKU, EAN or variant/size;
unknown sizes and negative values are userErrors and write nothing."""

SET_STOCK = """mutation s($w: Int!, $sizes: [StockSetProductSizeInput!]) { setStock(input: {
  warehouse: {id: $w}, description: "Xentral sync", stockQuantityType: PHYSICAL,
  productSizes: $sizes}) { stockChanges { id } userErrors { message path }
  userWarnings { message path } } }"""


def set_stock(centra, warehouse, sizes):
    answer = centra.graphql(SET_STOCK, {"w": warehouse, "sizes": sizes})
    assert answer.status_code == 200
    return answer.json()["data"]["setStock"]


def test_set_stock_by_ean_and_sku(centra_sandbox):
    answer = set_stock(
        centra_sandbox,
        2,
        [
            {"productSize": {"EAN": "4000000000005"}, "quantity": 11},
            {"productSize": {"SKU": "ART-006"}, "quantity": 0},
        ],
    )
    assert answer["userErrors"] == []
    assert answer["userWarnings"] == []
    assert len(answer["stockChanges"]) == 1
    assert centra_sandbox.stock("ART-005", 2) == 11
    assert centra_sandbox.stock("ART-006", 2) == 0
    assert centra_sandbox.stock("ART-005", 1) == 25  # the other warehouse is untouched


def test_an_unknown_size_is_a_user_error_and_nothing_is_written(centra_sandbox):
    before = centra_sandbox.stock("ART-005", 1)
    answer = set_stock(
        centra_sandbox,
        1,
        [
            {"productSize": {"EAN": "4000000000005"}, "quantity": 99},
            {"productSize": {"EAN": "9999999999999"}, "quantity": 1},
        ],
    )
    assert answer == {
        "stockChanges": [],
        "userWarnings": [],
        "userErrors": [
            {
                "message": "Product size 9999999999999 not found",
                "path": ["input", "productSizes", "1", "productSize"],
            }
        ],
    }
    assert centra_sandbox.stock("ART-005", 1) == before


def test_a_negative_quantity_and_two_identifiers_are_user_errors(centra_sandbox):
    answer = set_stock(
        centra_sandbox,
        1,
        [
            {"productSize": {"SKU": "ART-001"}, "quantity": -1},
            {"productSize": {"SKU": "ART-001", "EAN": "4000000000001"}, "quantity": 1},
        ],
    )
    assert answer["userErrors"] == [
        {
            "message": "Stock value must be greater or equal to 0",
            "path": ["input", "productSizes", "0", "quantity"],
        },
        {
            "message": "Exactly one input field should be provided",
            "path": ["input", "productSizes", "1", "productSize"],
        },
    ]


def test_an_unknown_warehouse_is_a_user_error(centra_sandbox):
    answer = set_stock(centra_sandbox, 9, [{"productSize": {"SKU": "ART-001"}, "quantity": 1}])
    assert answer["userErrors"] == [
        {"message": "Warehouse 9 not found", "path": ["input", "warehouse"]}
    ]


def test_below_allocated_is_raised_to_allocated_with_a_warning(centra_sandbox):
    centra_sandbox.create_order([{"sku": "ART-007", "quantity": 5, "unitPrice": 1}])
    answer = set_stock(centra_sandbox, 1, [{"productSize": {"SKU": "ART-007"}, "quantity": 2}])
    assert answer["userErrors"] == []
    assert answer["userWarnings"] == [
        {
            "message": "Quantity 2 for ART-007 is below the allocated 5; set to 5",
            "path": ["input", "productSizes", "0", "quantity"],
        }
    ]
    assert centra_sandbox.stock("ART-007", 1) == 5


def test_stock_totals_follow_allocation(centra_sandbox):
    centra_sandbox.create_order([{"sku": "ART-008", "quantity": 3, "unitPrice": 1}])
    answer = centra_sandbox.graphql("""{ productSizes(where: {EAN: {equals: "4000000000008"}}) {
        SKU stockTotals { physicalQuantity allocatedQuantity freeToAllocateQuantity } } }""")
    physical = centra_sandbox.stock("ART-008", 1) + centra_sandbox.stock("ART-008", 2)
    assert answer.json()["data"]["productSizes"] == [
        {
            "SKU": "ART-008",
            "stockTotals": {
                "physicalQuantity": physical,
                "allocatedQuantity": 3,
                "freeToAllocateQuantity": physical - 3,
            },
        }
    ]


def test_set_stock_by_variant_and_size_name(centra_sandbox):
    answer = centra_sandbox.graphql("""mutation { setStock(input: {warehouse: {id: 1},
        description: "d", stockQuantityType: PHYSICAL, productVariants: [{productVariant: {id: 9},
        sizeStockLevels: [{size: {name: "One Size"}, quantity: 4}]}]}) {
        userErrors { message path } } }""")
    assert answer.json()["data"]["setStock"]["userErrors"] == []
    assert centra_sandbox.stock("ART-009", 1) == 4
