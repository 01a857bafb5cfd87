"""Bulk order import: S3 `uploads/` ObjectCreated -> importer -> OrderPlaced events."""
