"""The templates feature's decisions: what a template is and holds, and how tenant templates
are rendered safely (``rendering``: Jinja2's sandbox, strict undefined variables)."""
