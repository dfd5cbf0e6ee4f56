from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

INDEXES_MIGRATION = ("members", "0007_member_name_indexes_per_province")


def _sync_search_indexes(using: str, **kwargs: Any) -> None:
    # Provinces created outside the services (fixtures, a restored dump) get their name
    # indexes at the next migrate; not after migrating back before the indexes existed.
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from members.search_index import sync_province_indexes

    if INDEXES_MIGRATION in MigrationRecorder(connections[using]).applied_migrations():
        sync_province_indexes(using)


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Hệ thống tổ chức Hội")

    def ready(self) -> None:
        post_migrate.connect(_sync_search_indexes, sender=self)
