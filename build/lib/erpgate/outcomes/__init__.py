"""What erpgate keeps of its ERP calls: one writer turns outcomes into events, related requests,
saved answers and problem counts, in batches, off the request path."""
