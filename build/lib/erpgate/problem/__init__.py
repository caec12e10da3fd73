"""Problems: ERP failures folded by store, endpoint and kind, with their references and e-mails."""
