"""Adapter profiles: read an ERP's own API (its URLs, auth, paging and field names) and map each
answer to the contract, so a store can connect an ERP without building a middleware.

The gateway runs an adapted endpoint inside the same ``ErpGateway.read`` as a contract URL: the
same deadline, breaker, coalescing, attempts and answer validation; only the requests it sends
and the bytes it validates differ (``erp.adapters.reading``).
"""
