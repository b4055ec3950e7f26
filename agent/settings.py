"""Runtime configuration, read from ``PAYTRACK_*`` environment variables (and ``.env``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path.cwd() / "var"


class Settings(BaseSettings):
    """Every knob paytrack reads. Built once per command or request and passed along."""

    model_config = SettingsConfigDict(
        env_prefix="PAYTRACK_", env_file=".env", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where the SQLite file, model artifacts and the e-mail outbox live.",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means a SQLite file in data_dir (paytrack.db).",
    )

    default_currency: str = Field(
        default="EUR", description="Currency of imported rows that name none (ISO 4217)."
    )
    default_terms_days: int = Field(
        default=30, description="Payment terms when neither the row nor the client gives any."
    )
    default_language: str = Field(default="en", description="Language of new clients.")
    default_owner: str = Field(
        default="Accounts <accounts@example.com>",
        description="Owner of imported rows that name none (name, e-mail or Name <e-mail>).",
    )
    due_soon_days: int = Field(
        default=7, description="An open invoice due within this many days is 'due soon'."
    )

    dso_window_days: int = Field(default=90, description="The N in the DSO formula.")
    late_grace_days: int = Field(
        default=0, description="Days after the original due date before a payment is late."
    )
    consistent_late_min_invoices: int = Field(
        default=3, description="Settled invoices a client needs to be ranked as a late payer."
    )

    openai_api_key: str = Field(
        default="",
        validation_alias=AliasChoices("OPENAI_API_KEY", "PAYTRACK_OPENAI_API_KEY"),
        description="Key for an OpenAI-compatible endpoint; unset: the offline templates write.",
    )
    openai_base_url: str = Field(
        default="",
        validation_alias=AliasChoices("OPENAI_BASE_URL", "PAYTRACK_OPENAI_BASE_URL"),
        description="Base URL of that endpoint; unset means OpenAI's own.",
    )
    llm_model: str = Field(default="gpt-4o-mini", description="Model name sent to the endpoint.")
    llm_timeout_seconds: float = Field(
        default=30.0, description="Per-request timeout for the drafting LLM, in seconds."
    )
    llm_max_retries: int = Field(
        default=2, description="SDK retries (with backoff, honouring Retry-After) per LLM call."
    )
    llm_temperature: float = Field(default=0.2, description="Sampling temperature of drafts.")
    llm_response_format: str = Field(
        default="json_schema",
        description="'json_schema' (strict structured output) or 'json_object' for servers "
        "that only support JSON mode.",
    )
    llm_max_tokens: int = Field(
        default=600, description="Token budget per LLM answer, so a small model cannot run on."
    )

    risk_min_history_rows: int = Field(
        default=200, description="Settled invoices needed before `paytrack risk train` fits."
    )
    risk_band_medium: float = Field(default=0.30, description="P(late) from which risk is medium.")
    risk_band_high: float = Field(default=0.60, description="P(late) from which risk is high.")
    risk_interval_coverage: float = Field(
        default=0.80, description="Nominal coverage of the payment-date interval."
    )
    risk_test_share: float = Field(
        default=0.25, description="Newest share of settled invoices held out for evaluation."
    )
    risk_model_dir: Path | None = Field(
        default=None, description="Where model artifacts go; empty means data_dir/models."
    )
    risk_stale_after_days: int = Field(
        default=90, description="A deployed risk model older than this many days is stale."
    )
    risk_stale_new_share: float = Field(
        default=0.25,
        description="Stale once invoices settled since training reach this share of its rows.",
    )
    risk_drift_points: float = Field(
        default=0.10,
        description="Stale once the live late share differs from training's by this much.",
    )
    risk_drift_min_rows: int = Field(
        default=30, description="Settled invoices needed before the live late share is judged."
    )
    risk_auto_retrain: bool = Field(
        default=False, description="The daily job retrains a stale risk model by itself."
    )

    reminder_pre_due_days: int = Field(
        default=3, description="Days before the due date for the pre-due reminder."
    )
    reminder_max_pre_due_days: int = Field(
        default=10, description="Earliest pre-due reminder the risk model may ask for."
    )
    reminder_overdue_days: list[int] = Field(
        default=[3, 7, 14], description="Days overdue at which a reminder is drafted."
    )
    escalation_days: int = Field(
        default=21, description="Days overdue from which a person takes over (no client mail)."
    )
    no_follow_up_days: int = Field(
        default=3, description="Days overdue without a decided reminder before the owner hears."
    )
    min_days_between_contacts: int = Field(
        default=3, description="No new reminder to a client contacted this recently."
    )
    monitor_daily_at: str = Field(
        default="08:00", description="Local time (HH:MM) of the daily sweep under `serve`."
    )
    monitor_timezone: str = Field(default="UTC", description="IANA time zone of monitor_daily_at.")

    smtp_url: str = Field(
        default="",
        description="smtp://user:pass@host:port (add ?starttls=1 for STARTTLS) or smtps://… for "
        "TLS; empty writes .eml files to data_dir/outbox and nothing leaves the machine.",
    )
    mail_from: str = Field(
        default="Accounts <accounts@example.com>", description="From address of reminders."
    )
    mail_domain: str = Field(
        default="", description="Domain of Message-IDs; empty takes the From address's domain."
    )
    smtp_timeout_seconds: float = Field(
        default=30.0, description="Timeout of one SMTP conversation, in seconds."
    )
    outbox_lease_seconds: int = Field(
        default=300,
        description="How long a claimed message is left to its sender before "
        "another sender may look at it again (must exceed the SMTP timeout).",
    )
    outbox_max_attempts: int = Field(default=8, description="Attempts before a message fails.")
    outbox_backoff_seconds: int = Field(
        default=60, description="First retry delay; doubles per attempt, capped at one hour."
    )
    outbox_poll_seconds: float = Field(default=15.0, description="Sender loop poll interval.")
    outbox_resend_unconfirmed: bool = Field(
        default=False,
        description="Re-send (same Message-ID) a message whose sender died after the server may "
        "have accepted it; off: a person confirms or re-sends from the outbox page.",
    )
    session_hours: int = Field(default=12, description="Browser sign-in lifetime in hours.")
    cookie_secure: bool = Field(
        default=False, description="Mark the session cookie Secure (set when served over https)."
    )
    sign_in_max_failures: int = Field(
        default=5, description="Failed sign-ins per e-mail (and 4x per IP) per 15 minutes."
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000", description="Where the pages are served, for links."
    )
    notify_owners_by_email: bool = Field(
        default=False, description="Also e-mail each owner notification to its owner (outbox)."
    )
    database_busy_timeout_seconds: float = Field(
        default=30.0,
        description="How long a write waits for another writer's lock before answering 'busy'.",
    )
    sweep_lease_seconds: int = Field(
        default=900,
        description="How long a sweep holds a thread it is drafting before another may take it.",
    )
    sweep_batch_clients: int = Field(
        default=16,
        ge=1,
        description=(
            "How many clients a sweep claims per transaction. Fewer round trips per reminder; "
            "a sweep killed mid-batch leaves at most this many clients waiting for the lease."
        ),
    )
    webhook_allow_private_urls: bool = Field(
        default=False,
        description="Let webhooks target loopback, link-local and private addresses (admin only).",
    )
    rescore_poll_seconds: float = Field(
        default=1.0, description="How often `serve` answers re-score requests from ledger writes."
    )
    rescore_quiet_seconds: float = Field(
        default=0.5,
        ge=0,
        description="`serve` scores once re-score requests have stopped arriving for this long, "
        "so a burst of writes is not slowed by scoring...",
    )
    rescore_max_delay_seconds: float = Field(
        default=10.0,
        ge=0,
        description="...but never leaves a request waiting longer than this.",
    )
    retention_score_history_days: int = Field(
        default=90,
        description="Scheduled risk-score history older than this is pruned (current scores, "
        "scores at issue and after events stay).",
    )
    retention_checkpoint_days: int = Field(
        default=30, description="Agent checkpoints of threads finished this long ago are pruned."
    )
    retention_notification_days: int = Field(
        default=90, description="Read notifications older than this are pruned."
    )
    retention_webhook_delivery_days: int = Field(
        default=30, description="Delivered or failed webhook deliveries older than this go."
    )
    retention_outbox_days: int = Field(
        default=180, description="Sent or failed outbox messages older than this are pruned."
    )

    payee_name: str = Field(
        default="", description="Account holder named in reminders' payment details."
    )
    payee_iban: str = Field(default="", description="IBAN stated in reminders (empty: none).")
    payee_bic: str = Field(default="", description="BIC of that IBAN.")
    payee_bankgiro: str = Field(default="", description="Swedish bankgiro number, e.g. 5050-1055.")
    payee_plusgiro: str = Field(default="", description="Swedish plusgiro number.")
    payment_reference: str = Field(
        default="auto",
        description="Reference reminders ask clients to quote: 'ocr' (Swedish OCR), 'rf' "
        "(ISO 11649), 'none', or 'auto' (OCR for SEK invoices paid to a bankgiro or plusgiro, "
        "RF otherwise).",
    )

    reminder_days: str = Field(
        default="",
        description="Days overdue of the reminders, comma-separated (e.g. 5,19); overrides "
        "reminder_overdue_days when set.",
    )
    collection_wait_days: int = Field(
        default=14,
        description="Days after the last reminder before the sweep opens a 'hand over to "
        "collection' task for the owner (nothing is sent).",
    )

    document_max_bytes: int = Field(
        default=1_000_000,
        description="Largest invoice document (PDF, PNG or JPEG) accepted by upload or import.",
    )
    imap_url: str = Field(
        default="",
        description="imaps://user:pass@host[:port]/INBOX (or imap://…?starttls=1) to read "
        "client replies from; empty: replies come only through the CLI and the API.",
    )
    imap_processed_folder: str = Field(
        default="paytrack-processed",
        description="IMAP folder read messages are moved to (created when missing), so nothing "
        "is read twice.",
    )
    imap_poll_seconds: float = Field(
        default=300.0, description="How often `paytrack serve` polls the IMAP mailbox."
    )
    reply_max_bytes: int = Field(
        default=5 * 1024 * 1024,
        description="Largest inbound message accepted, in bytes (the API caps any body at 1 MiB).",
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'paytrack.db'}"


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
