"""The rules: the registry of rule files, the rule API, the semantics rules share (scope, flow, what a name can be), the checks and the pattern language."""

#: The largest rule file read (a rule pack comes from the repository being linted).
MAX_RULE_FILE = 1_000_000
