"""nianbao: China's government information disclosure annual reports as reproducible notebooks."""

__version__ = "0.1.0"
