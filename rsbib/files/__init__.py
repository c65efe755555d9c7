"""A user's files written without loss: atomic replace, mode and symlinks kept, `-` is stdout (output)."""
