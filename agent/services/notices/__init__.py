"""Notifications and tasks for owners."""
