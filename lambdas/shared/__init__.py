"""Code every function archive carries next to its own folder (imported as ``shared.<module>``)."""
