"""Understanding free-text French: normalisation, entities, topic matching."""
