"""The installed Generic ERP Integration app per store: settings, secrets, which features are on."""
