"""The analysis loop on a QThread (QtCore only, no widgets)."""
