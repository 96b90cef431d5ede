"""Pull-request reviews: the comments of one review built from findings, and the GitHub calls that post it."""
