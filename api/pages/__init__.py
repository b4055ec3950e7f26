"""Server-rendered pages: sign-in, the review queue, invoices, notifications."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
