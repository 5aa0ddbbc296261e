"""The web platform: everything that knows about Flask, HTTP and the database."""
