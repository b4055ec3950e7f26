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

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means a SQLite file in data_dir (paytrack.db).",
    )

    default_currency: str = "EUR"
    default_terms_days: int = 30
    default_language: str = "en"
    default_owner: str = "Accounts <accounts@example.com>"
    due_soon_days: int = 7

    dso_window_days: int = 90
    late_grace_days: int = 0
    consistent_late_min_invoices: int = 3

    openai_api_key: str = Field(
        default="", validation_alias=AliasChoices("OPENAI_API_KEY", "PAYTRACK_OPENAI_API_KEY")
    )
    openai_base_url: str = Field(
        default="", validation_alias=AliasChoices("OPENAI_BASE_URL", "PAYTRACK_OPENAI_BASE_URL")
    )
    llm_model: str = "gpt-4o-mini"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'paytrack.db'}"


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
