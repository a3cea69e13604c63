"""The tracking routes answer with a GIF, a redirect or a small HTML page, never JSON, so
they declare no request or reply models; this module exists to keep the feature's shape."""
