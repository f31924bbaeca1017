"""The seed's payments backend: models, query helpers, repositories (naive and eager), cache."""
