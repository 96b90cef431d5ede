"""The evidence behind a finding: bytecode of the flagged code beside its rewrite's, compiled on a chosen CPython, and measured speed-ups."""
