"""Static files: hashed names (long-cached: WhiteNoise marks them immutable) and compressed copies, brotli and gzip.

Brotli at its default quality (11) takes most of a minute over the bundled Swagger UI on two cores, and 12 s over
ECharts alone; at quality 6 it takes a quarter of a second for ECharts (1.1 MB to 335 KB; gzip: 368 KB) and a few
seconds over everything. Browsers that do not accept br get gzip. `learncity serve` collects only when the sources
changed. Brotli needs the brotli package (whitenoise[brotli]); without it the copies are gzip only."""

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

BROTLI_QUALITY = 6


class _Compressor(Compressor):
    @staticmethod
    def compress_brotli(data: bytes) -> bytes:  # called only when brotli is installed (whitenoise checks)
        import brotli

        return brotli.compress(data, quality=BROTLI_QUALITY)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **kwargs):
        return _Compressor(**kwargs)
