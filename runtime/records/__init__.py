"""The record service: the one way records are read and written."""
from .context import Actor, RecordContext
from .listing import Page, list_records
from .query import ListQuery
from .history import record_history
from .read import get_record, load_record, read_record, record_out
from .write import create_record, delete_record, restore_record, transfer_record, update_record

__all__ = ["Actor", "RecordContext", "ListQuery", "Page", "list_records", "get_record", "load_record", "read_record",
           "record_out", "record_history", "create_record", "update_record", "delete_record", "restore_record",
           "transfer_record"]
