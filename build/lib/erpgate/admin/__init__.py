"""The admin console: admin accounts, the app store, integration health, customers and users."""
