"""One screen per module; each takes the AppContext (and the signed-in person) in its constructor."""
