"""Command line entry point: ``python -m salesreport data/sales.csv``."""

from __future__ import annotations

import argparse

from salesreport.cleaning import clean_rows, read_rows
from salesreport.report import render


def main() -> None:
    parser = argparse.ArgumentParser(description="Summarise a sales CSV export.")
    parser.add_argument("path", help="the CSV file to summarise")
    parser.add_argument("--top", type=int, default=3, help="how many products to list")
    args = parser.parse_args()
    rows = clean_rows(read_rows(args.path))
    print(render(rows, top=args.top))


if __name__ == "__main__":
    main()
