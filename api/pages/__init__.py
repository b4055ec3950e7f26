"""Server-rendered pages: sign-in, the review queue, invoices, notifications."""

from fastapi import APIRouter

from api.pages import auth, clients, errors, ledger, notices, outbox_pages, replies, review

__all__ = ["errors", "router"]

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(review.router)
router.include_router(ledger.router)
router.include_router(outbox_pages.router)
router.include_router(clients.router)
router.include_router(notices.router)
router.include_router(replies.router)
