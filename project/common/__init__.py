"""Building blocks shared by every plugin; imports no plugin."""
