"""The order projector: the orders read model and the outbox (projector on the stream, sweeper on a schedule)."""
