"""Payment provider webhooks: POST /webhooks/payments -> verifier -> queue -> worker."""
