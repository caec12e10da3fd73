"""Customer accounts (buyer companies) and their buyers."""
