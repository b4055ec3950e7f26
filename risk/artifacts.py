"""Saving and loading a model: a joblib file plus a JSON sidecar with its metadata."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib

from risk.model import RiskModel


def save(model: RiskModel, directory: Path) -> Path:
    """Write ``risk-<version>.joblib`` and ``risk-<version>.json``; return the joblib path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"risk-{model.version}.joblib"
    joblib.dump(model, path)
    sidecar = path.with_suffix(".json")
    sidecar.write_text(json.dumps(model.metadata, indent=2, sort_keys=True, default=str))
    return path


def load(path: Path) -> RiskModel:
    model = joblib.load(path)
    if not isinstance(model, RiskModel):
        raise TypeError(f"{path} does not hold a risk model")
    return model


def read_metadata(path: Path) -> dict[str, Any]:
    return json.loads(path.with_suffix(".json").read_text())
