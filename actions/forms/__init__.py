"""The four service forms (mediation, legal aid, notarization, lawyer), status lookup, and what
every form shares: consent, contact details, confirmation, correction, stopping."""
