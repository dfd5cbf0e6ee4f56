from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_search_indexes(using: str, **kwargs: Any) -> None:
    # Provinces created outside the services (fixtures, a restored dump) get their name
    # indexes at the next migrate.
    from members.search_index import sync_province_indexes

    sync_province_indexes(using)


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Hệ thống tổ chức Hội")

    def ready(self) -> None:
        post_migrate.connect(_sync_search_indexes, sender=self)
