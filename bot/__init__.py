"""aidemail: a French-speaking support assistant for e-mail configuration."""
