"""Server-rendered pages: sign-in, the review queue, invoices, notifications."""

from fastapi import APIRouter

from api.pages import auth, ledger, replies, review

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(review.router)
router.include_router(ledger.router)
router.include_router(replies.router)
