"""Live prices and stock: the buyer's own prices and the stock available to them, from the ERP."""
