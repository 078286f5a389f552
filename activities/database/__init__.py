"""The app database: tables, one repository per concern, and its migrations."""

from activities.database.database import Database, SchemaOutOfDate
from activities.database.engine import database_url

__all__ = ["Database", "SchemaOutOfDate", "database_url"]
