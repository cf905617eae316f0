"""Use cases. Each function takes the session first, checks the actor's rights and never commits."""
