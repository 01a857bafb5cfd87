"""The re-drive function of EventStore projections and StreamProcessor consumers (``handler.handler``)."""
