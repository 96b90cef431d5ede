"""A small sales-report generator: clean a CSV export, aggregate it, print a summary.

This package is perflint's demo project. It is ordinary code with a few of the slow
patterns perflint finds, next to code perflint leaves alone.
"""
