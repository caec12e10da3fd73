"""The ERP side: the published contract, the hardened client and everything an outbound call needs.

This is the only package (with the mock ERP) that imports aiohttp.
"""
