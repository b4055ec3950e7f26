"""Bringing data in from spreadsheets and bank statements: read, validate, then apply."""
