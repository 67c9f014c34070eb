"""Training and evaluation of the emotion CNN (CLI-first; never imported by the app)."""
