"""Legal aid: the data file's schema, the pre-check rules, and the reply wording."""
