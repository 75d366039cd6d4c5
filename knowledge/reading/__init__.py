"""Reading a resident's message like a caseworker: danger and service cues, and the question asked."""
