"""order-fulfilment saga steps (Step Functions Lambda tasks) and their compensations."""
