"""The one object an app's endpoints share: store, rules, faults, log and settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from confsync.sandbox.attachments import Attachments
from confsync.sandbox.faults import Faults, RequestLog
from confsync.sandbox.labels import Labels
from confsync.sandbox.pages import Pages
from confsync.sandbox.properties import Properties
from confsync.sandbox.store import Store

__all__ = ["Edition", "Sandbox"]

Edition = Literal["cloud", "datacenter"]


@dataclass
class Sandbox:
    """Reachable in-process as ``app.state.sandbox``."""

    store: Store
    edition: Edition
    cloud_id: str
    context_path: str
    faults: Faults = field(default_factory=Faults)
    request_log: RequestLog = field(default_factory=RequestLog)
    pages: Pages = field(init=False)
    attachments: Attachments = field(init=False)
    properties: Properties = field(init=False)
    labels: Labels = field(init=False)

    def __post_init__(self) -> None:
        self.pages = Pages(self.store)
        self.attachments = Attachments(self.store)
        self.properties = Properties(self.store)
        self.labels = Labels(self.store)

    @property
    def cloud(self) -> bool:
        return self.edition == "cloud"
