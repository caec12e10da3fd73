"""Events: one per ERP interaction, with its related requests; the Developers › Events pages."""
