"""orders-api: POST /orders, GET /orders/{id}, POST /orders/{id}/invoice (handler ``orders_api.api.handler``)."""
