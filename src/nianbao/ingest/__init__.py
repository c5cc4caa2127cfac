"""Readers of published annual reports (PDF, HTML, Word, text) into cell ids and sections."""
