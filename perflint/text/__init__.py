"""Text as perflint reads it from a tree it does not trust: files read and written safely, bytes decoded, rows and columns."""
