"""Rules as patterns: code with metavariables, compiled once, matched on both trees."""
