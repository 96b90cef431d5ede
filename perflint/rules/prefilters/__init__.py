"""The prefilter side of each check in ``perflint/rules/checks/``: the class of the same name in
the module of the same name, which the check extends with its libcst side. The engine plans a
file with these alone (no libcst); see ``perflint.rules.candidates``."""
