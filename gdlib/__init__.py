"""gdlib: the small numpy library behind the book's chapters."""
