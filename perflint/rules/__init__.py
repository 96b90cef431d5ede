"""The rules: the registry of rule files, the rule API, the semantics rules share (scope, flow, what a name can be), the checks and the pattern language."""
