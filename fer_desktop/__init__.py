"""fer_desktop: read the room during an online class (facial expressions, on the teacher's PC)."""

__version__ = "0.1.0"
