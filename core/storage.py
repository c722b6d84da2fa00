from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files, with the paths in ES module imports hashed too: a page
    cached before a release then never loads its old module with a newer one it imports."""

    support_js_module_import_aggregation = True
