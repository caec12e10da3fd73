"""Stores: the tenants."""
