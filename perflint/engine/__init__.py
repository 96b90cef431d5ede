"""Lint a text: CPython's verdict, the prefilter, libcst on what the rules need, one batched traversal, suppressions, fixes, and many files in parallel."""
