"""Sessions, password hashing and CSRF, shared by the storefront (buyers) and the admin console."""
