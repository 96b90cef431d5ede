"""Turn the raw rows of a CSV export into typed, normalised sales records."""

from __future__ import annotations

import csv
from dataclasses import dataclass

REQUIRED_COLUMNS = ("date", "region", "product", "quantity", "unit_price")
REGION_ALIASES = {"n": "north", "s": "south", "e": "east", "w": "west"}


@dataclass(frozen=True)
class Sale:
    date: str
    region: str
    product: str
    quantity: int
    unit_price: float

    @property
    def revenue(self) -> float:
        return self.quantity * self.unit_price


def read_rows(path: str) -> list[dict[str, str]]:
    """The rows of the CSV file at ``path``, keyed by column name."""
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def check_header(rows: list[dict[str, str]]) -> None:
    """Fail early, naming the columns, when the export lacks a required column."""
    if not rows:
        return
    header = rows[0]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ValueError(f"missing column(s): {', '.join(missing)}")


def parse_quantities(values: list[str]) -> list[int]:
    """Quantities as integers; anything unreadable ("n/a", "") counts as zero."""
    quantities = []
    for raw in values:
        try:
            quantities.append(int(raw))
        except ValueError:
            quantities.append(0)
    return quantities


def parse_prices(values: list[str]) -> list[float] | None:
    """Unit prices as floats, or None if any of them is unreadable."""
    prices = []
    for raw in values:
        try:
            prices.append(float(raw))
        except ValueError:
            return None
    return prices


def normalise_region(name: str) -> str:
    name = name.strip().lower()
    return REGION_ALIASES.get(name, name)


def drop_empty_fields(row: dict[str, str]) -> dict[str, str]:
    """The row without the columns the export left empty."""
    cleaned = dict(row)
    for column, value in row.items():
        if not value.strip():
            del cleaned[column]
    return cleaned


def known_products(rows: list[dict[str, str]]) -> set[str]:
    """Every product name that occurs in the export."""
    names = set()
    for product, _ in count_by_product(rows).items():
        names.add(product)
    return names


def count_by_product(rows: list[dict[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        product = row["product"].strip()
        counts[product] = counts.get(product, 0) + 1
    return counts


def clean_rows(rows: list[dict[str, str]]) -> list[Sale]:
    """Typed sales records, one per row, with regions and products normalised."""
    check_header(rows)
    quantities = parse_quantities([row["quantity"] for row in rows])
    prices = parse_prices([row["unit_price"] for row in rows])
    if prices is None:
        raise ValueError("a unit price is not a number")
    sales = []
    for row, quantity, price in zip(rows, quantities, prices):
        sales.append(
            Sale(
                date=row["date"].strip(),
                region=normalise_region(row["region"]),
                product=row["product"].strip(),
                quantity=quantity,
                unit_price=price,
            )
        )
    return sales


def default_regions() -> list[str]:
    """The regions every report lists, even when they sold nothing."""
    regions = ["north", "south", "east", "west"]
    ordered = []
    for region in list(regions):
        ordered.append(region.title())
    return ordered
