"""The admin side of adapter profiles: the settings API, the ERP adapter page and the preview."""
