"""Static files: hashed names and compressed copies served by WhiteNoise, gzip only.

Brotli at its default quality takes most of a minute over the bundled Swagger UI on two cores; gzip takes
a second, and every browser accepts it. `learncity serve` collects only when the sources changed."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **kwargs):
        return super().create_compressor(use_brotli=False, **kwargs)
