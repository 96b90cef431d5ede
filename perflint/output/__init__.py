"""What perflint prints: the output formats (formats/, one module each), safe printing, colours, summaries, rule pages."""
