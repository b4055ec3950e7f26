"""The HTTP face of paytrack: JSON API and review-queue pages, both thin over the services."""
