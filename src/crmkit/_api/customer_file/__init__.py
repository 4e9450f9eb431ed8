"""Products, quotes, contracts and assets."""
