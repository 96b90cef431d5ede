"""The checks behind the built-in rules; each rule's YAML file names its class here."""
