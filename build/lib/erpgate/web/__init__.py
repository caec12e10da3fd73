"""Web plumbing shared by the storefront and the admin: app state, DB session per request, pages."""
