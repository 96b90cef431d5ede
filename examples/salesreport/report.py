"""Aggregate clean sales records and render the text report."""

from __future__ import annotations

from collections import defaultdict

from salesreport.cleaning import Sale, default_regions
from salesreport.stats import mean, running_totals, standard_deviation


def revenue_by_region(sales: list[Sale]) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for sale in sales:
        totals[sale.region.title()] += sale.revenue
    return dict(totals)


def revenue_by_product(sales: list[Sale]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for sale in sales:
        if sale.product in totals.keys():
            totals[sale.product] += sale.revenue
        else:
            totals[sale.product] = sale.revenue
    return totals


def top_products(sales: list[Sale], top: int) -> list[tuple[str, float]]:
    totals = revenue_by_product(sales)
    ranked = sorted(totals.items(), key=lambda pair: pair[1], reverse=True)
    return ranked[:top]


def daily_revenue(sales: list[Sale]) -> list[float]:
    by_day: dict[str, float] = defaultdict(float)
    for sale in sales:
        by_day[sale.date] += sale.revenue
    amounts = []
    for day in sorted(by_day):
        amounts.append(round(by_day[day], 2))
    return amounts


def region_lines(sales: list[Sale]) -> list[str]:
    totals = revenue_by_region(sales)
    return [f"  {region:<8}{totals.get(region, 0.0):>10.2f}" for region in default_regions()]


def render(sales: list[Sale], top: int = 3) -> str:
    """The report: revenue per region, best products, and day-to-day figures."""
    days = daily_revenue(sales)
    lines = ["Revenue by region"]
    lines.extend(region_lines(sales))
    lines.append(f"Top {top} products")
    for product, revenue in top_products(sales, top):
        lines.append(f"  {product:<8}{revenue:>10.2f}")
    lines.append(f"Days: {len(days)}, mean {mean(days):.2f}, std dev {standard_deviation(days):.2f}")
    lines.append("Running total: " + ", ".join(f"{total:.2f}" for total in running_totals(days)))
    return "\n".join(lines)
