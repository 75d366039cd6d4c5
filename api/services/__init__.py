"""Database writes, in one place, with keyword-only arguments."""
