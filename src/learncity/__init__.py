"""learncity: a city's lifelong-education system as working software."""

__version__ = "0.1.0"
