"""One blueprint per audience: respond (public), auth, staff, officer, admin."""
